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
  /** Forgets the recorded dumps, so that the next sync of an unchanged course writes a whole new dump. */
  forgetDumps(): Promise<void>;
  close(): Promise<void>;
}

/** Which ClickHouse a row measures: whatever the environment configures, or one of the two explicitly. */
export type BenchEngine = 'configured' | 'embedded' | 'server';

/**
 * ClickHouse as the service would open it: the server at CLICKHOUSE_URL when set, else embedded chdb under
 * `dataDir`; migrated into BENCH_DATABASE, which a server run drops again at the end.
 */
export async function openBenchClickHouse(
  dataDir: string,
  engine: BenchEngine = 'configured',
  database: string = BENCH_DATABASE,
): Promise<BenchClickHouse> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  if (engine === 'embedded') delete env.CLICKHOUSE_URL;
  if (engine === 'server' && !env.CLICKHOUSE_URL)
    throw new Error(
      'this row needs a ClickHouse server: eval "$(scripts/stack env)" first (bench/README.md)',
    );
  const { clickhouse } = loadConfig(env);
  const connection = await openClickHouse({
    url: clickhouse.url,
    user: clickhouse.user,
    password: clickhouse.password,
    dataDir,
  });
  await migrateClickHouse(connection.client, {
    database,
    capabilities: connection.capabilities,
  });
  const { version, embedded } = connection.capabilities;
  return {
    connection,
    database,
    describe: `${embedded ? 'chdb' : 'server'} ${version}`,
    async forgetDumps() {
      await connection.client.command({ query: `TRUNCATE TABLE ${database}.course_sink_dumps` });
    },
    async close() {
      // A database of thousands of parts (a backfill's) can take the server longer to drop than a request
      // may last; the drop goes on there, and the next run's migration waits for nothing it needs.
      if (!embedded)
        await connection.client
          .command({ query: `DROP DATABASE IF EXISTS ${database}` })
          .catch((err: unknown) => console.warn(`dropping ${database}: ${(err as Error).message}`));
      await connection.close();
    },
  };
}
