import pLimit from 'p-limit';

/** What a backfill remembers between runs, so an interrupted one resumes where it stopped. */
export interface BackfillProgressStore {
  isDone(courseKey: string): boolean;
  markDone(courseKey: string): Promise<void>;
  markFailed(courseKey: string, error: string): Promise<void>;
}

export interface BackfillReport {
  total: number;
  synced: number;
  skipped: number;
  failed: Array<{ courseKey: string; error: string }>;
}

export interface BackfillOptions {
  courseKeys: readonly string[];
  sync: (courseKey: string) => Promise<unknown>;
  concurrency: number;
  progress: BackfillProgressStore;
  /** Called after every course, for a progress bar or periodic log lines. */
  onCourse?: (courseKey: string, outcome: 'synced' | 'skipped' | 'failed', report: BackfillReport) => void;
  signal?: AbortSignal;
}

/**
 * Syncs many courses with bounded concurrency. A failing course is recorded and the walk goes on, so
 * one broken course never stops a backfill of thousands; courses already done are skipped on a rerun.
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillReport> {
  const report: BackfillReport = { total: options.courseKeys.length, synced: 0, skipped: 0, failed: [] };
  const limit = pLimit(Math.max(1, options.concurrency));
  await Promise.all(
    options.courseKeys.map((courseKey) =>
      limit(async () => {
        if (options.signal?.aborted) return;
        if (options.progress.isDone(courseKey)) {
          report.skipped++;
          options.onCourse?.(courseKey, 'skipped', report);
          return;
        }
        try {
          await options.sync(courseKey);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          report.failed.push({ courseKey, error });
          await options.progress.markFailed(courseKey, error).catch(() => undefined);
          options.onCourse?.(courseKey, 'failed', report);
          return;
        }
        report.synced++;
        // The course is synced even if its progress could not be saved; a rerun then syncs it again, harmlessly.
        await options.progress.markDone(courseKey).catch(() => undefined);
        options.onCourse?.(courseKey, 'synced', report);
      }),
    ),
  );
  return report;
}
