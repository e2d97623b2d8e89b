import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openPostgres } from '../../../../src/sinks/postgres/open.js';
import type { SqlClient } from '../../../../src/sinks/postgres/sql-client.js';

/** An empty database for one test file; `connect()` opens another client to it, as another pod would. */
export interface TestDatabase {
  kind: 'pglite' | 'server';
  sql: SqlClient;
  /** A second, independent client where the engine allows it (the server); PGlite has one connection. */
  connect(): Promise<SqlClient>;
  drop(): Promise<void>;
}

export type TestDatabaseFactory = () => Promise<TestDatabase>;

/** One embedded database per test file (starting PGlite takes seconds), in a temp DATA_DIR removed afterwards. */
let embedded: Promise<{ sql: SqlClient; dataDir: string }> | undefined;
afterAll(async () => {
  if (!embedded) return;
  const { sql, dataDir } = await embedded;
  await sql.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A fresh schema in the test file's embedded PGlite; PGlite is one session, so search_path scopes it. */
export const pgliteDatabase: TestDatabaseFactory = async () => {
  embedded ??= (async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'course-sink-pg-'));
    return { sql: await openPostgres({ dataDir }), dataDir };
  })();
  const { sql } = await embedded;
  const schema = `test_${randomBytes(6).toString('hex')}`;
  await sql.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
  return {
    kind: 'pglite',
    sql,
    connect: () => Promise.resolve(sql),
    async drop() {
      await sql.query(`SET search_path = public; DROP SCHEMA ${schema} CASCADE`);
    },
  };
};

/**
 * A fresh schema in the stack's Postgres (DATABASE_URL, set by the integration globalSetup), reached
 * through search_path so the code under test needs no schema names and test files cannot collide.
 */
export const serverDatabase: TestDatabaseFactory = async () => {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set: run the integration project, or `eval "$(scripts/stack env)"`');
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  const opened: SqlClient[] = [];
  const connect = async () => {
    const sql = await openPostgres({ url: scoped.toString(), dataDir: os.tmpdir() });
    opened.push(sql);
    return sql;
  };
  const sql = await connect();
  return {
    kind: 'server',
    sql,
    connect,
    async drop() {
      await Promise.all(opened.map((c) => c.close()));
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.end();
    },
  };
};
