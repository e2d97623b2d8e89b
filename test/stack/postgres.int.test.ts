import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { stackVar, uniqueName } from '../support/stack.js';

const databaseUrl = stackVar('DATABASE_URL');

describe('local stack PostgreSQL', () => {
  const client = new pg.Client({ connectionString: databaseUrl });

  beforeAll(async () => {
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
  });

  it('connects as course_sink to its own database', async () => {
    const { rows } = await client.query<{ user: string; db: string; owner: string }>(
      `SELECT current_user AS user, current_database() AS db,
              pg_get_userbyid(datdba) AS owner
         FROM pg_database WHERE datname = current_database()`,
    );
    expect(rows).toEqual([{ user: 'course_sink', db: 'course_sink', owner: 'course_sink' }]);
  });

  it('round-trips parameterized rows through a table', async () => {
    const table = uniqueName('smoke');
    await client.query(
      `CREATE TEMP TABLE ${table} (id integer PRIMARY KEY, title text NOT NULL, tags jsonb)`,
    );
    await client.query(`INSERT INTO ${table} (id, title, tags) VALUES ($1, $2, $3), ($4, $5, $6)`, [
      1,
      'Demonstration Course',
      JSON.stringify(['demo']),
      2,
      "O'Reilly — ünïcode",
      null,
    ]);
    const { rows } = await client.query(`SELECT id, title, tags FROM ${table} ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, title: 'Demonstration Course', tags: ['demo'] },
      { id: 2, title: "O'Reilly — ünïcode", tags: null },
    ]);
  });

  it('rejects a wrong password over TCP', async () => {
    const url = new URL(databaseUrl);
    url.password = 'not-the-password';
    const intruder = new pg.Client({ connectionString: url.toString() });
    intruder.on('error', () => undefined);
    await expect(intruder.connect()).rejects.toMatchObject({
      code: '28P01',
      message: expect.stringContaining('password authentication failed for user "course_sink"'),
    });
    await intruder.end().catch(() => undefined);
  });
});
