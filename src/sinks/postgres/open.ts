/** Opens the catalog database: a Postgres server when DATABASE_URL is set, else PGlite under DATA_DIR. */
import path from 'node:path';
import { createPgClient, type PgClientOptions } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';

export interface OpenPostgresOptions extends PgClientOptions {
  /** A server (DATABASE_URL); unset means embedded PGlite. */
  url?: string;
  /** DATA_DIR: the embedded database lives in `${dataDir}/postgres`. */
  dataDir: string;
}

/**
 * The one place that decides between a Postgres server and the embedded engine. Checks the connection
 * once so a wrong DATABASE_URL fails at start-up with a message naming the host, not on the first event.
 */
export async function openPostgres(options: OpenPostgresOptions): Promise<SqlClient> {
  const sql = options.url
    ? createPgClient(options.url, options)
    : await createPgliteClient(path.join(options.dataDir, 'postgres'));
  try {
    await sql.query('SELECT 1 AS ok');
  } catch (err) {
    await sql.close().catch(() => undefined);
    throw err;
  }
  return sql;
}
