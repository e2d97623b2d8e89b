import type { ClickHouseSink } from '../../sync/ports.js';
import { writeCourseDump, type CourseDumpInput, type WriterContext } from './writer.js';

/** The sync's view of ClickHouse: one course dump per call, with the writer's table lookups kept between calls. */
export class ClickHouseCourseSink implements ClickHouseSink {
  private readonly ctx: WriterContext;

  constructor(ctx: WriterContext) {
    this.ctx = { ...ctx, tableCache: ctx.tableCache ?? new Map() };
  }

  async writeCourse(
    input: CourseDumpInput,
  ): Promise<{ rowsByTable: Record<string, number>; warnings: string[] }> {
    const { rowsByTable, pruneError } = await writeCourseDump(this.ctx, input);
    return { rowsByTable, warnings: pruneError ? [pruneError.message] : [] };
  }
}
