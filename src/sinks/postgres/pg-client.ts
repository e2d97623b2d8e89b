/** The SqlClient over a Postgres server (`pg` pool). */
import pg from 'pg';
import { PermanentError } from '../../errors.js';
import { describeStatement, toSqlError } from './errors.js';
import type { SqlClient } from './sql-client.js';

type Result<R> = { rows: R[]; rowCount: number };

/** A query without parameters may hold several statements (migration files); its result is the last one's. */
function lastResult<R>(res: pg.QueryResult | pg.QueryResult[]): Result<R> {
  const one = Array.isArray(res) ? res[res.length - 1] : res;
  const rows = (one?.rows ?? []) as R[];
  return { rows, rowCount: one?.rowCount ?? rows.length };
}

async function run<R>(
  on: pg.Pool | pg.PoolClient,
  text: string,
  params?: readonly unknown[],
  target?: string,
): Promise<Result<R>> {
  try {
    const res = (await on.query(text, params && params.length > 0 ? [...params] : undefined)) as
      pg.QueryResult | pg.QueryResult[];
    return lastResult<R>(res);
  } catch (err) {
    throw toSqlError(err, target ? `${describeStatement(text)} on ${target}` : describeStatement(text));
  }
}

/** The client handed to a transaction's callback: every statement goes to the one connection holding it. */
function transactionClient(conn: pg.PoolClient, depth: number): SqlClient {
  return {
    query: (text, params) => run(conn, text, params),
    // Nested transactions become savepoints, so helpers that open their own transaction compose.
    async transaction(fn) {
      const savepoint = `course_sink_sp_${depth}`;
      await run(conn, `SAVEPOINT ${savepoint}`);
      try {
        const out = await fn(transactionClient(conn, depth + 1));
        await run(conn, `RELEASE SAVEPOINT ${savepoint}`);
        return out;
      } catch (err) {
        await run(conn, `ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw err;
      }
    },
    close: () =>
      Promise.reject(
        new PermanentError('postgres: close() called inside a transaction; close the client that opened it'),
      ),
  };
}

/** Where a URL points, without its password, for messages. */
function safeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** Dates stay 'YYYY-MM-DD' strings (as in the embedded client) instead of local-midnight Dates. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.DATE
      ? (v: string) => v
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PgClientOptions {
  /** Pool size; the default suits SYNC_CONCURRENCY up to about 8. */
  max?: number;
  /** An idle pooled connection broke (e.g. a server restart); the next query reconnects. */
  onIdleError?: (err: Error) => void;
}

/** A SqlClient over a `pg` Pool: each query takes any free connection, each transaction holds one. */
export function createPgClient(url: string, options: PgClientOptions = {}): SqlClient {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'course-sink',
    types,
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (err) => options.onIdleError?.(err));
  const target = safeTarget(url);

  return {
    query: (text, params) => run(pool, text, params, target),
    async transaction(fn) {
      let conn: pg.PoolClient;
      try {
        conn = await pool.connect();
      } catch (err) {
        throw toSqlError(err, `connecting to ${target}`);
      }
      let broken: Error | undefined;
      try {
        await run(conn, 'BEGIN');
        const out = await fn(transactionClient(conn, 1));
        await run(conn, 'COMMIT');
        return out;
      } catch (err) {
        try {
          await conn.query('ROLLBACK');
        } catch (rollbackErr) {
          // The connection is unusable; dropping it from the pool ends the transaction server-side.
          broken = rollbackErr as Error;
        }
        throw err;
      } finally {
        conn.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
