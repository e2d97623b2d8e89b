import { newDump } from '../../src/domain/dump.js';
import { courseBlockRows, courseRelationshipRows } from '../../src/sinks/clickhouse/rows.js';
import { dumpColumns } from '../../src/sinks/clickhouse/tables/descriptor.js';
import { buildOutline } from '../../src/outline/index.js';
import { syntheticSnapshot } from '../../test/support/synthetic-course.js';
import type { BenchCase } from '../case.js';

/** The rows of one dump and their JSONEachRow text, which is what the ClickHouse client sends. */
export const clickhouseRowsCase: BenchCase = {
  name: 'clickhouse.rows.10k',
  description: 'courseBlockRows + courseRelationshipRows of a 10k-block outline, serialized as JSONEachRow',
  report: 'ms',
  warmup: 2,
  iterations: 25,
  async setup() {
    const outline = buildOutline(syntheticSnapshot({ blocks: 10_000 }).blocks);
    const dump = dumpColumns(newDump());
    let bytes = 0;
    return {
      work: { count: outline.rows.length + outline.relationships.length, unit: 'rows' },
      run() {
        bytes = 0;
        for (const row of courseBlockRows(outline, dump)) bytes += JSON.stringify(row).length + 1;
        for (const row of courseRelationshipRows(outline, dump)) bytes += JSON.stringify(row).length + 1;
      },
      note: () => `${(bytes / 1024 / 1024).toFixed(1)} MiB of JSON`,
    };
  },
};
