/** Where a backfill remembers which courses it finished, so an interrupted run resumes instead of starting over. */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BackfillProgressStore } from '../sync/backfill.js';

interface ProgressFile {
  selection: string;
  done: string[];
  failed: Record<string, string>;
}

/**
 * Backfill progress in a JSON file under DATA_DIR, one per selection (all, an org, a courses file), so
 * rerunning the same command resumes it. Written atomically (temp file + rename) after every course.
 */
export class BackfillProgressFile implements BackfillProgressStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly state: ProgressFile,
    private readonly done: Set<string>,
  ) {}

  static async open(dataDir: string, selection: string, restart: boolean): Promise<BackfillProgressFile> {
    const digest = createHash('sha256').update(selection).digest('hex').slice(0, 16);
    const file = path.join(dataDir, 'backfill', `${digest}.json`);
    let state: ProgressFile = { selection, done: [], failed: {} };
    if (!restart) {
      try {
        state = JSON.parse(await readFile(file, 'utf8')) as ProgressFile;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return new BackfillProgressFile(file, state, new Set(state.done));
  }

  get alreadyDone(): number {
    return this.done.size;
  }

  isDone(courseKey: string): boolean {
    return this.done.has(courseKey);
  }

  markDone(courseKey: string): Promise<void> {
    this.done.add(courseKey);
    delete this.state.failed[courseKey];
    return this.save();
  }

  markFailed(courseKey: string, error: string): Promise<void> {
    this.state.failed[courseKey] = error;
    return this.save();
  }

  /** Saves are chained so concurrent courses never interleave two writes of the file. */
  private save(): Promise<void> {
    // A failed write must not poison the chain: the next course's save writes the whole state again.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(path.dirname(this.file), { recursive: true });
        const tmp = `${this.file}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify({ ...this.state, done: [...this.done] }, null, 1));
        await rename(tmp, this.file);
      });
    return this.writing;
  }
}
