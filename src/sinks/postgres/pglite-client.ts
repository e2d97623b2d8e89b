/**
 * The SqlClient over embedded PGlite, with the same JS types as the `pg` client so callers cannot tell them
 * apart.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite, types, type Results, type Transaction } from '@electric-sql/pglite';
import { PermanentError } from '../../errors.js';
import { describeStatement, toSqlError } from './errors.js';
import type { SqlClient } from './sql-client.js';

type Result<R> = { rows: R[]; rowCount: number };
type Runner = Pick<PGlite, 'query' | 'exec'> | Transaction;

/** Same JS types as the `pg` client: int8 as decimal strings, dates as 'YYYY-MM-DD'. */
const parsers = { [types.INT8]: (v: string) => v, [types.DATE]: (v: string) => v };

/** Statements that return rows count them (as `pg` does for SELECT); others report rows affected. */
function toResult<R>(res: Results<unknown>): Result<R> {
  const rows = res.rows as R[];
  return { rows, rowCount: res.fields.length > 0 ? rows.length : (res.affectedRows ?? 0) };
}

async function run<R>(on: Runner, text: string, params?: readonly unknown[]): Promise<Result<R>> {
  try {
    if (!params || params.length === 0) {
      // exec accepts several statements (migration files); the result is the last one's, as with `pg`.
      const all = await on.exec(text);
      const last = all[all.length - 1];
      return last ? toResult<R>(last) : { rows: [], rowCount: 0 };
    }
    return toResult(await on.query<R>(text, [...params]));
  } catch (err) {
    throw toSqlError(err, describeStatement(text));
  }
}

function transactionClient(tx: Transaction, depth: number): SqlClient {
  return {
    query: (text, params) => run(tx, text, params),
    async transaction(fn) {
      const savepoint = `course_sink_sp_${depth}`;
      await run(tx, `SAVEPOINT ${savepoint}`);
      try {
        const out = await fn(transactionClient(tx, depth + 1));
        await run(tx, `RELEASE SAVEPOINT ${savepoint}`);
        return out;
      } catch (err) {
        await run(tx, `ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw err;
      }
    },
    close: () =>
      Promise.reject(
        new PermanentError('postgres: close() called inside a transaction; close the client that opened it'),
      ),
  };
}

/**
 * PGlite sized for what it holds here, a catalog of a few thousand rows, instead of Postgres' defaults:
 * shared_buffers alone is 128MB, allocated in the WebAssembly heap, which never gives memory back.
 * PGlite's own start parameters are kept (they make it a single-user backend).
 */
const PGLITE_START_PARAMS = [
  ...PGlite.defaultStartParams,
  ...['-c', 'shared_buffers=8MB'],
  ...['-c', 'temp_buffers=1MB'],
  ...['-c', 'work_mem=1MB'],
  ...['-c', 'maintenance_work_mem=8MB'],
  ...['-c', 'wal_buffers=256kB'],
];

/**
 * A SqlClient over embedded PGlite persisted in `dir`. PGlite is one connection: its transaction() holds
 * an exclusive lock until COMMIT/ROLLBACK, so a concurrent caller's query waits instead of running inside
 * someone else's transaction. Consequently a transaction's callback must use the `tx` it is given; calling
 * the outer client from inside would wait for itself.
 */
export async function createPgliteClient(dir: string): Promise<SqlClient> {
  await mkdir(dir, { recursive: true });
  let db: PGlite;
  try {
    db = await PGlite.create(dir, { parsers, startParams: PGLITE_START_PARAMS });
  } catch (err) {
    throw new PermanentError(
      `postgres: cannot open the embedded database in ${dir}: ${(err as Error).message}; ` +
        'check the directory is writable and not used by another course-sink process, or set DATABASE_URL',
      { cause: err },
    );
  }
  return {
    query: (text, params) => run(db, text, params),
    async transaction(fn) {
      let fromCallback: unknown;
      try {
        return await db.transaction(async (tx) => {
          try {
            return await fn(transactionClient(tx, 1));
          } catch (err) {
            fromCallback = err;
            throw err;
          }
        });
      } catch (err) {
        // The callback's own errors pass through untouched; a failed BEGIN/COMMIT is classified here.
        if (err === fromCallback) throw err;
        throw toSqlError(err, 'transaction');
      }
    },
    close: () => db.close(),
  };
}
