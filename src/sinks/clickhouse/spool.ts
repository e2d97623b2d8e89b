/**
 * Holds one table's rows of a dump as JSONEachRow text, in memory or in a temporary file when large, and
 * streams it as one INSERT, so that no table's rows are all alive at once.
 */

import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { ClickHouseClient } from '@clickhouse/client';

/** Text is handed to the file (or kept) in pieces of about this size. */
const PIECE_CHARS = 1 << 20;
/** A table's rows stay in memory up to this size; a larger dump goes to a temporary file. */
export const SPOOL_MEMORY_BYTES = 8 << 20;

/**
 * The JSONEachRow text of one table's rows of one dump, written once as the rows are built and read by
 * every try of the insert: the rows themselves are never all alive at once, and a retry sends the same
 * bytes. Small dumps stay in memory; a large one spills to a file in a temporary directory, which the
 * HTTP client streams as the request body and the embedded engine reads with `INSERT … FROM INFILE` (its
 * connection would otherwise copy the whole body into one string first).
 */
export class RowSpool {
  rows = 0;

  constructor(private readonly memoryLimitBytes = SPOOL_MEMORY_BYTES) {}

  private pending = '';
  private pieces: Buffer[] = [];
  private bytes = 0;
  private dir: string | undefined;
  private file: string | undefined;
  private handle: FileHandle | undefined;

  /**
   * One row, serialized as the client would serialize it (JSON.stringify), then a newline. Returns true
   * when `flush` is due: kept synchronous because it runs once per row of 100k-block courses.
   */
  add(row: object): boolean {
    this.pending += JSON.stringify(row) + '\n';
    this.rows++;
    return this.pending.length >= PIECE_CHARS;
  }

  /** Call once every row is added. */
  async finish(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
  }

  /** The temporary file the rows are in, when they outgrew memory. */
  get path(): string | undefined {
    return this.file;
  }

  /** A fresh stream of the whole text, for one try of the insert. */
  body(): Readable {
    if (this.file) return createReadStream(this.file);
    return Readable.from(this.pieces, { objectMode: false });
  }

  async dispose(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    this.pieces = [];
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = this.file = undefined;
  }

  async flush(): Promise<void> {
    if (this.pending === '') return;
    const piece = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.bytes += piece.length;
    if (!this.handle && this.bytes <= this.memoryLimitBytes) {
      this.pieces.push(piece);
      return;
    }
    if (!this.handle) {
      this.dir = await mkdtemp(path.join(os.tmpdir(), 'course-sink-rows-'));
      this.file = path.join(this.dir, 'rows.ndjson');
      this.handle = await open(this.file, 'w', 0o600);
      for (const earlier of this.pieces) await this.handle.write(earlier);
      this.pieces = [];
    }
    await this.handle.write(piece);
  }
}

/** Sends one spooled table's rows in one INSERT. */
export async function insertSpooled(
  client: ClickHouseClient,
  target: { table: string; columns: string[]; embedded: boolean; settings: Record<string, string> },
  spool: RowSpool,
): Promise<void> {
  const file = spool.path;
  if (file && target.embedded) {
    // Read by the engine itself, in the same process: one INSERT, so still one part, all rows or none.
    await client.command({
      query: `INSERT INTO ${target.table} (${target.columns.join(', ')}) FROM INFILE ${sqlString(file)} FORMAT JSONEachRow`,
      clickhouse_settings: target.settings,
    });
    return;
  }
  // `exec` sends the text as it is: `insert` would want row objects to serialize itself.
  const result = await client.exec({
    query: `INSERT INTO ${target.table} (${target.columns.join(', ')}) FORMAT JSONEachRow`,
    values: spool.body(),
    clickhouse_settings: target.settings,
  });
  // Read to the end, so that the connection goes back to the pool.
  await text(result.stream);
}

function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
