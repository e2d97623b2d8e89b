/**
 * Binds src/sync's ClickHouseSink port to the course writer, keeping the table look-ups and the insert
 * ledger between the courses it writes.
 */

import type { ClickHouseSink } from '../../sync/ports.js';
import type { RecordedDump } from './fingerprint.js';
import type { WriterContext } from './context.js';
import { lookUpLatestDump, writeCourseDump, type CourseDumpInput } from './writer.js';

const MAX_LEDGER_ENTRIES = 10_000;

/** The sync's view of ClickHouse: one course dump per call, with the writer's table lookups kept between calls. */
export class ClickHouseCourseSink implements ClickHouseSink {
  private readonly ctx: WriterContext;

  constructor(ctx: WriterContext) {
    this.ctx = {
      ...ctx,
      tableCache: ctx.tableCache ?? new Map(),
      insertLedger: ctx.insertLedger ?? new Map(),
    };
  }

  latestDump(courseKey: string): Promise<RecordedDump | undefined> {
    const lookup = lookUpLatestDump(this.ctx, courseKey);
    // Awaited by writeCourse, or never when the fetch fails: a failure here must not go unhandled.
    lookup.catch(() => undefined);
    return lookup;
  }

  async writeCourse(input: CourseDumpInput): Promise<{
    rowsByTable: Record<string, number>;
    warnings: string[];
    unchanged?: string;
    tagsOnly?: boolean;
  }> {
    const ledger = this.ctx.insertLedger!;
    // Entries of failed dumps stay for the sync's own retries; the oldest go once there are many, long
    // after any retry of theirs (a later sync of the course makes a new dump).
    for (const key of ledger.keys()) {
      if (ledger.size <= MAX_LEDGER_ENTRIES) break;
      ledger.delete(key);
    }
    const { rowsByTable, pruneError, unchanged, tagsOnly } = await writeCourseDump(this.ctx, input);
    for (const table of Object.keys(rowsByTable)) ledger.delete(`${input.dump.dumpId}:${table}`);
    return {
      rowsByTable,
      warnings: pruneError ? [pruneError.message] : [],
      ...(unchanged ? { unchanged } : {}),
      ...(tagsOnly ? { tagsOnly } : {}),
    };
  }
}
