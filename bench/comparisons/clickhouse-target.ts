import { loadConfig } from '../../src/app/config.js';
import { openClickHouse, type ClickHouseConnection } from '../../src/sinks/clickhouse/connection.js';
import { migrateClickHouse } from '../../src/sinks/clickhouse/migrate.js';

/** Kept apart from the service's own database, so a run against the local stack leaves its tables alone. */
export const BENCH_DATABASE = 'course_sink_bench';

export interface BenchClickHouse {
  connection: ClickHouseConnection;
  database: string;
  /** `chdb <version>` or `server <version>`, for the notes. */
  describe: string;
  close(): Promise<void>;
}

/**
 * ClickHouse as the service would open it: the server at CLICKHOUSE_URL when set, else embedded chdb under
 * `dataDir`; migrated into BENCH_DATABASE, which a server run drops again at the end.
 */
export async function openBenchClickHouse(dataDir: string): Promise<BenchClickHouse> {
  const { clickhouse } = loadConfig({ ...process.env, DATA_DIR: dataDir });
  const connection = await openClickHouse({
    url: clickhouse.url,
    user: clickhouse.user,
    password: clickhouse.password,
    dataDir,
  });
  await migrateClickHouse(connection.client, {
    database: BENCH_DATABASE,
    capabilities: connection.capabilities,
  });
  const { version, embedded } = connection.capabilities;
  return {
    connection,
    database: BENCH_DATABASE,
    describe: `${embedded ? 'chdb' : 'server'} ${version}`,
    async close() {
      if (!embedded) await connection.client.command({ query: `DROP DATABASE IF EXISTS ${BENCH_DATABASE}` });
      await connection.close();
    },
  };
}
