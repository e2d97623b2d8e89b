import type { Logger } from '../log.js';
import {
  migrateClickHouse,
  openClickHouse,
  type ClickHouseConnection,
  type WriterContext,
} from '../sinks/clickhouse/index.js';
import { migrate as migratePostgres, openPostgres, type SqlClient } from '../sinks/postgres/index.js';
import type { Config } from './config.js';

/** The two databases every command needs: a server when its URL is set, else embedded under DATA_DIR. */
export interface Stores {
  clickhouse: ClickHouseConnection;
  postgres: SqlClient;
  close(): Promise<void>;
}

export async function openStores(config: Config, logger: Logger): Promise<Stores> {
  const clickhouse = await openClickHouse({
    url: config.clickhouse.url,
    user: config.clickhouse.user,
    password: config.clickhouse.password,
    dataDir: config.dataDir,
  });
  let postgres: SqlClient;
  try {
    postgres = await openPostgres({ url: config.postgres.url, dataDir: config.dataDir });
  } catch (err) {
    await clickhouse.close().catch(() => undefined);
    throw err;
  }
  logger.info(
    {
      clickhouse: config.clickhouse.url ? { server: clickhouse.capabilities.version } : 'embedded',
      postgres: config.postgres.url ? 'server' : 'embedded',
      data_dir: config.dataDir,
    },
    'stores opened',
  );
  return {
    clickhouse,
    postgres,
    async close() {
      await Promise.allSettled([clickhouse.close(), postgres.close()]);
    },
  };
}

export interface MigrationReport {
  clickhouse: string[];
  postgres: string[];
}

/** Applies both stores' numbered migrations; each runner is idempotent and safe across pods. */
export async function migrateStores(
  stores: Stores,
  config: Config,
  logger: Logger,
): Promise<MigrationReport> {
  const ch = await migrateClickHouse(stores.clickhouse.client, {
    database: config.clickhouse.database,
    cluster: config.clickhouse.cluster,
    capabilities: stores.clickhouse.capabilities,
  });
  const pg = await migratePostgres(stores.postgres);
  const report = { clickhouse: ch.applied, postgres: pg.applied };
  logger.info({ applied: report }, 'migrations up to date');
  return report;
}

/** How the ClickHouse writers (course dumps, tag tables) reach the configured database. */
export function clickhouseWriterContext(config: Config, stores: Stores): WriterContext {
  return {
    client: stores.clickhouse.client,
    database: config.clickhouse.database,
    cluster: config.clickhouse.cluster,
    capabilities: stores.clickhouse.capabilities,
    pruneRemovedBlocks: config.clickhouse.pruneRemovedBlocks,
  };
}
