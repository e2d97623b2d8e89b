import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../src/errors.js';
import type { TestDatabase, TestDatabaseFactory } from './databases.js';

/** Behaviour every SqlClient must share, whichever engine is behind it. */
export function sqlClientCases(makeDatabase: TestDatabaseFactory): void {
  describe('SqlClient', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await makeDatabase();
      await db.sql.query(
        'CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL UNIQUE, at timestamptz, day date)',
      );
    });
    afterAll(() => db.drop());

    it('passes parameters and returns int8 as strings, timestamptz as Dates and dates as strings on both engines', async () => {
      await db.sql.query('INSERT INTO items (id, name, at, day) VALUES ($1, $2, $3, $4)', [
        1,
        "O'Brien; DROP TABLE items",
        '2024-05-01T10:00:00Z',
        '2024-05-01',
      ]);
      const { rows, rowCount } = await db.sql.query<{ id: unknown; name: string; at: Date; day: unknown }>(
        'SELECT id, name, at, day FROM items WHERE id = $1',
        [1],
      );
      expect(rowCount).toBe(1);
      expect(rows[0]).toEqual({
        id: '1',
        name: "O'Brien; DROP TABLE items",
        at: new Date('2024-05-01T10:00:00Z'),
        day: '2024-05-01',
      });
    });

    it('reports how many rows a write touched', async () => {
      await db.sql.query("INSERT INTO items (id, name) VALUES (10, 'a'), (11, 'b')");
      const res = await db.sql.query('UPDATE items SET at = now() WHERE id IN ($1, $2)', [10, 11]);
      expect(res.rowCount).toBe(2);
    });

    it('runs several statements when a query has no parameters and returns the last result', async () => {
      const res = await db.sql.query<{ n: number }>('CREATE TEMP TABLE scratch (x int); SELECT 42 AS n');
      expect(res.rows).toEqual([{ n: 42 }]);
    });

    it('commits a transaction that succeeds and rolls back one that throws', async () => {
      await db.sql.transaction(async (tx) => {
        await tx.query("INSERT INTO items (id, name) VALUES (20, 'kept')");
      });
      await expect(
        db.sql.transaction(async (tx) => {
          await tx.query("INSERT INTO items (id, name) VALUES (21, 'discarded')");
          throw new Error('caller changed its mind');
        }),
      ).rejects.toThrow('caller changed its mind');
      const { rows } = await db.sql.query<{ id: string }>(
        'SELECT id FROM items WHERE id IN (20, 21) ORDER BY id',
      );
      expect(rows.map((r) => r.id)).toEqual(['20']);
    });

    it('rolls back only a nested transaction when it throws', async () => {
      await db.sql.transaction(async (tx) => {
        await tx.query("INSERT INTO items (id, name) VALUES (30, 'outer')");
        await tx
          .transaction(async (inner) => {
            await inner.query("INSERT INTO items (id, name) VALUES (31, 'inner')");
            throw new Error('inner fails');
          })
          .catch(() => undefined);
      });
      const { rows } = await db.sql.query<{ id: string }>(
        'SELECT id FROM items WHERE id IN (30, 31) ORDER BY id',
      );
      expect(rows.map((r) => r.id)).toEqual(['30']);
    });

    it('keeps concurrent callers out of a transaction in progress', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let inserted!: () => void;
      const insertedInside = new Promise<void>((resolve) => (inserted = resolve));
      const tx = db.sql
        .transaction(async (t) => {
          await t.query("INSERT INTO items (id, name) VALUES (40, 'uncommitted')");
          inserted();
          await held;
          throw new Error('roll it back');
        })
        .catch((err: Error) => err.message);
      await insertedInside;
      // On PGlite this waits for the transaction; on a server it runs on another connection. Either way
      // it must not see the uncommitted row, nor be rolled back with it.
      const outside = db.sql.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE id = 40');
      const write = db.sql.query("INSERT INTO items (id, name) VALUES (41, 'outside')");
      release();
      expect(await tx).toBe('roll it back');
      expect((await outside).rows[0]?.n).toBe('0');
      await write;
      const after = await db.sql.query<{ id: string }>('SELECT id FROM items WHERE id IN (40, 41)');
      expect(after.rows.map((r) => r.id)).toEqual(['41']);
    });

    it('reports a unique violation as permanent, naming the statement, table and constraint', async () => {
      await db.sql.query("INSERT INTO items (id, name) VALUES (50, 'dup')");
      const err = await db.sql
        .query("INSERT INTO items (id, name) VALUES (51, 'dup')")
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as Error).message).toMatch(/INSERT INTO items/);
      expect((err as Error).message).toMatch(/items_name_key/);
      expect((err as Error).message).toMatch(/23505/);
    });

    it('reports a syntax error as permanent', async () => {
      const err = await db.sql.query('SELEC 1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as Error).message).toMatch(/42601/);
    });

    it('leaves the client usable after a failed transaction', async () => {
      await expect(
        db.sql.transaction(async (tx) => {
          await tx.query("INSERT INTO items (id, name) VALUES (60, 'dup')");
          await tx.query("INSERT INTO items (id, name) VALUES (61, 'dup')");
        }),
      ).rejects.toBeInstanceOf(PermanentError);
      const { rows } = await db.sql.query<{ ok: number }>('SELECT 1 AS ok');
      expect(rows).toEqual([{ ok: 1 }]);
    });
  });
}
