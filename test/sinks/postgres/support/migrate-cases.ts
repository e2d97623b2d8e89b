import { cp, mkdtemp, readdir, rm, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../src/errors.js';
import { DEFAULT_MIGRATIONS_DIR, migrate } from '../../../../src/sinks/postgres/migrate.js';
import type { TestDatabase, TestDatabaseFactory } from './databases.js';

async function tableNames(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

/** Migration runner behaviour, on whichever engine makeDatabase provides. */
export function migrateCases(makeDatabase: TestDatabaseFactory): void {
  describe('migrate', () => {
    let db: TestDatabase;
    let dir: string;
    beforeEach(async () => {
      db = await makeDatabase();
      // A private copy of the real migrations, so tests can add and tamper with files.
      dir = await mkdtemp(path.join(os.tmpdir(), 'course-sink-migrations-'));
      await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    });
    afterEach(async () => {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('applies every shipped file on an empty database and records each in the ledger', async () => {
      const shipped = (await readdir(DEFAULT_MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
      const result = await migrate(db.sql, dir);
      expect(result.applied).toEqual(shipped);
      expect(await tableNames(db)).toEqual(
        expect.arrayContaining(['course_runs', 'course_sink_migrations', 'courses', 'programs']),
      );
      const ledger = await db.sql.query<{ filename: string; checksum: string }>(
        'SELECT filename, checksum FROM course_sink_migrations ORDER BY filename',
      );
      expect(ledger.rows.map((r) => r.filename)).toEqual(shipped);
      expect(ledger.rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
    });

    it('does nothing when run a second time', async () => {
      await migrate(db.sql, dir);
      const before = await db.sql.query(
        'SELECT filename, applied_at FROM course_sink_migrations ORDER BY filename',
      );
      const second = await migrate(db.sql, dir);
      expect(second.applied).toEqual([]);
      expect(second.alreadyApplied.length).toBe(before.rows.length);
      const after = await db.sql.query(
        'SELECT filename, applied_at FROM course_sink_migrations ORDER BY filename',
      );
      expect(after.rows).toEqual(before.rows);
    });

    it('applies each file once when two processes migrate at the same time', async () => {
      const other = await db.connect();
      const [a, b] = await Promise.all([migrate(db.sql, dir), migrate(other, dir)]);
      const files = (await readdir(dir)).sort();
      expect([...a.applied, ...b.applied].sort()).toEqual(files);
      const ledger = await db.sql.query<{ n: string }>('SELECT count(*) AS n FROM course_sink_migrations');
      expect(ledger.rows[0]?.n).toBe(String(files.length));
    });

    it('applies a file added later, after the ones already applied', async () => {
      await migrate(db.sql, dir);
      await writeFile(
        path.join(dir, '9001_later_table.sql'),
        'CREATE TABLE later_table (id int PRIMARY KEY);\n',
      );
      const result = await migrate(db.sql, dir);
      expect(result.applied).toEqual(['9001_later_table.sql']);
      expect(await tableNames(db)).toContain('later_table');
    });

    it('refuses to run when an applied file was changed, naming the file', async () => {
      await migrate(db.sql, dir);
      await appendFile(path.join(dir, '0001_catalog.sql'), '\n-- edited after the fact\n');
      const err = await migrate(db.sql, dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as Error).message).toMatch(/0001_catalog\.sql was changed after it was applied/);
    });

    it('rolls back a failing file entirely, names it, and leaves it pending', async () => {
      await migrate(db.sql, dir);
      await writeFile(
        path.join(dir, '9002_broken.sql'),
        'CREATE TABLE half_done (id int);\nCREATE TABLE half_done (id int);\n',
      );
      const err = await migrate(db.sql, dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as Error).message).toMatch(/9002_broken\.sql/);
      expect(await tableNames(db)).not.toContain('half_done');
      const ledger = await db.sql.query(
        "SELECT 1 FROM course_sink_migrations WHERE filename = '9002_broken.sql'",
      );
      expect(ledger.rowCount).toBe(0);
    });

    it('rejects a misnamed file before touching the database', async () => {
      await writeFile(path.join(dir, 'add-things.sql'), 'SELECT 1;\n');
      await expect(migrate(db.sql, dir)).rejects.toThrow(/add-things\.sql is misnamed/);
      expect(await tableNames(db)).toEqual([]);
    });
  });
}
