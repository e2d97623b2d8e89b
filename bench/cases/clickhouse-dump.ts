import { newDump } from '../../src/domain/dump.js';
import { openClickHouse } from '../../src/sinks/clickhouse/connection.js';
import { migrateClickHouse } from '../../src/sinks/clickhouse/migrate.js';
import { ClickHouseCourseSink } from '../../src/sinks/clickhouse/sink.js';
import { buildOutline } from '../../src/outline/index.js';
import { syntheticSnapshot } from '../../test/support/synthetic-course.js';
import type { BenchCase } from '../case.js';

const DATABASE = 'event_sink';

/** Whole dumps into embedded chdb, each with a new dump id the way successive publishes would write them. */
export const clickhouseDumpCase: BenchCase = {
  name: 'clickhouse.dump.10k',
  description:
    'ClickHouseCourseSink.writeCourse of a 10k-block course into embedded chdb (after migrateClickHouse)',
  report: 'ms',
  warmup: 1,
  iterations: 7,
  async setup(dataDir) {
    const connection = await openClickHouse({ user: 'default', dataDir });
    const migrateStarted = performance.now();
    await migrateClickHouse(connection.client, { database: DATABASE, capabilities: connection.capabilities });
    const migrateMs = performance.now() - migrateStarted;
    const snapshot = syntheticSnapshot({ blocks: 10_000 });
    const outline = buildOutline(snapshot.blocks);
    const sink = new ClickHouseCourseSink({
      client: connection.client,
      database: DATABASE,
      capabilities: connection.capabilities,
    });
    let rowsByTable: Record<string, number> = {};
    const rows = 1 + outline.rows.length + outline.relationships.length;
    return {
      work: { count: rows, unit: 'rows' },
      async run() {
        const dump = newDump();
        ({ rowsByTable } = await sink.writeCourse({ snapshot, outline, dump }));
      },
      note: () =>
        `chdb ${connection.capabilities.version}, migrate ${Math.round(migrateMs)} ms, ` +
        Object.entries(rowsByTable)
          .map(([table, n]) => `${table} ${n}`)
          .join(', '),
      teardown: () => connection.close(),
    };
  },
};
