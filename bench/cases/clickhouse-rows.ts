import { newDump } from '../../src/domain/dump.js';
import { courseBlocks } from '../../src/sinks/clickhouse/tables/course-blocks.js';
import { courseRelationships } from '../../src/sinks/clickhouse/tables/course-relationships.js';
import { dumpColumns } from '../../src/sinks/clickhouse/tables/descriptor.js';
import { buildOutline } from '../../src/outline/index.js';
import { syntheticSnapshot } from '../../test/support/synthetic-course.js';
import type { BenchCase } from '../case.js';

/** The rows of one dump and their JSONEachRow text, which is what the ClickHouse client sends. */
export const clickhouseRowsCase: BenchCase = {
  name: 'clickhouse.rows.10k',
  description: 'courseBlocks + courseRelationships rows of a 10k-block outline, serialized as JSONEachRow',
  report: 'ms',
  warmup: 2,
  iterations: 25,
  async setup() {
    const snapshot = syntheticSnapshot({ blocks: 10_000 });
    const outline = buildOutline(snapshot.blocks);
    const dump = dumpColumns(newDump());
    let bytes = 0;
    return {
      work: { count: outline.rows.length + outline.relationships.length, unit: 'rows' },
      run() {
        bytes = 0;
        for (const table of [courseBlocks, courseRelationships]) {
          for (const row of table.rows({ snapshot, outline }, dump)) bytes += JSON.stringify(row).length + 1;
        }
      },
      note: () => `${(bytes / 1024 / 1024).toFixed(1)} MiB of JSON`,
    };
  },
};
