import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../src/errors.js';
import { buildOutline } from '../../../src/outline/index.js';
import { openClickHouse, type ClickHouseConnection } from '../../../src/sinks/clickhouse/connection.js';
import { classifyClickHouseError } from '../../../src/sinks/clickhouse/errors.js';
import { migrateClickHouse } from '../../../src/sinks/clickhouse/migrate.js';
import { newDump } from '../../../src/domain/dump.js';
import { formatDumpTime } from '../../../src/sinks/clickhouse/datetime.js';
import type { WriterContext } from '../../../src/sinks/clickhouse/context.js';
import { writeCourseDump } from '../../../src/sinks/clickhouse/writer.js';
import { stackVar, uniqueName, waitFor } from '../../support/stack.js';
import { snapshot, usage } from './support/course.js';

const server = () => ({
  url: stackVar('CLICKHOUSE_URL'),
  user: stackVar('CLICKHOUSE_USER'),
  password: stackVar('CLICKHOUSE_PASSWORD'),
  dataDir: '/nonexistent',
});

const fastRetry = { maxAttempts: 3, initialMs: 5, maxMs: 20, multiplier: 2 };

let conn: ClickHouseConnection;
const databases: string[] = [];

beforeAll(async () => {
  conn = await openClickHouse(server());
});

afterAll(async () => {
  for (const db of databases) await conn.client.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  await conn?.close();
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function migratedContext(): Promise<WriterContext> {
  const database = uniqueName('ch_transport');
  databases.push(database);
  await migrateClickHouse(conn.client, { database, capabilities: conn.capabilities });
  return { client: conn.client, database, capabilities: conn.capabilities, retry: fastRetry };
}

describe('ClickHouse over HTTP (Debian 18.16)', () => {
  it('reports the server version and what it lacks', () => {
    expect(conn.capabilities).toMatchObject({
      embedded: false,
      queryParams: false,
      boolType: false,
      insertDeduplicationToken: false,
      lightweightDelete: false,
    });
    expect(conn.capabilities.version).toMatch(/^18\.16\./);
  });

  it('round-trips rows through insert and select', async () => {
    const db = uniqueName('ch_roundtrip');
    databases.push(db);
    await conn.client.command({ query: `CREATE DATABASE ${db}` });
    await conn.client.command({
      query: `CREATE TABLE ${db}.t (k String, \`order\` Int32) ENGINE = MergeTree ORDER BY k`,
    });
    await conn.client.insert({
      table: `${db}.t`,
      columns: ['k', '`order`'],
      values: [
        { k: "Ohm's ®", order: 2 },
        { k: 'a', order: 1 },
      ],
      format: 'JSONEachRow',
    });
    const rs = await conn.client.query({
      query: `SELECT k, \`order\` FROM ${db}.t ORDER BY \`order\``,
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([
      { k: 'a', order: 1 },
      { k: "Ohm's ®", order: 2 },
    ]);
  });

  it('fails retryably, naming the settings, when the credentials are wrong', async () => {
    const err = await openClickHouse({ ...server(), password: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/credentials.*CLICKHOUSE_USER and CLICKHOUSE_PASSWORD/);
  });

  it('fails retryably when nothing listens on the port', async () => {
    const err = await openClickHouse({ ...server(), url: `http://127.0.0.1:${await freePort()}` }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/check that the server is up/);
  });

  it('treats a request that outlives its timeout as retryable', async () => {
    const slow = await openClickHouse({ ...server(), requestTimeoutMs: 300 });
    try {
      const err = await slow.client.query({ query: 'SELECT sleep(2)' }).catch((e: unknown) => e);
      expect(classifyClickHouseError(err, 'a slow query')).toBeInstanceOf(RetryableError);
    } finally {
      await slow.close();
    }
  });

  it('applies the Aspects migrations and writes a course dump', async () => {
    const ctx = await migratedContext();
    const snap = snapshot();
    const dump = newDump();
    const result = await writeCourseDump(ctx, { snapshot: snap, outline: buildOutline(snap.blocks), dump });
    expect(result.rowsByTable).toEqual({ course_overviews: 1, course_blocks: 18, course_relationships: 16 });
    const rs = await conn.client.query({
      query: `SELECT self_paced, course_start, time_last_dumped FROM ${ctx.database}.course_overviews`,
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([
      {
        self_paced: 1,
        course_start: '2020-01-01 00:00:00+00:00',
        time_last_dumped: formatDumpTime(dump.dumpedAt),
      },
    ]);
  });

  it('writes the same rows when they outgrow memory and go through a temporary file', async () => {
    const inMemory = await migratedContext();
    const spilled = { ...(await migratedContext()), spoolMemoryBytes: 0 };
    const snap = snapshot();
    const outline = buildOutline(snap.blocks);
    const dump = newDump();
    for (const ctx of [inMemory, spilled]) await writeCourseDump(ctx, { snapshot: snap, outline, dump });
    const contents = async (ctx: WriterContext) => {
      const rs = await conn.client.query({
        query: `SELECT * FROM ${ctx.database}.course_blocks ORDER BY location`,
        format: 'JSONEachRow',
      });
      const rel = await conn.client.query({
        query: `SELECT * FROM ${ctx.database}.course_relationships ORDER BY child_location`,
        format: 'JSONEachRow',
      });
      return [await rs.text(), await rel.text()];
    };
    const [blocks, relationships] = await contents(spilled);
    expect(blocks!.split('\n').filter(Boolean)).toHaveLength(18);
    expect(relationships!.split('\n').filter(Boolean)).toHaveLength(16);
    expect([blocks, relationships]).toEqual(await contents(inMemory));
  });

  it('fails permanently, naming the table, when a row does not parse', async () => {
    const ctx = await migratedContext();
    const snap = snapshot();
    const dump = { dumpId: 'not-a-uuid', dumpedAt: new Date() };
    const err = await writeCourseDump(ctx, {
      snapshot: snap,
      outline: buildOutline(snap.blocks),
      dump,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toContain(`${ctx.database}.course_blocks`);
  });

  it('prunes removed blocks with a mutation on servers without lightweight DELETE', async () => {
    const ctx = await migratedContext();
    const write = async (withoutIds: string[]) => {
      const snap = snapshot(withoutIds);
      const dump = newDump();
      await writeCourseDump(
        { ...ctx, pruneRemovedBlocks: true },
        { snapshot: snap, outline: buildOutline(snap.blocks), dump },
      );
    };
    await write([]);
    await write(['v212']);
    const doomed = usage('vertical', 'v212');
    await waitFor(
      async () => {
        const rs = await conn.client.query({
          query: `SELECT count() AS n FROM ${ctx.database}.course_blocks WHERE location = '${doomed}'`,
          format: 'JSONEachRow',
        });
        const rows = await rs.json<{ n: string }>();
        return Number(rows[0]?.n) === 0;
      },
      { timeoutMs: 20_000, what: 'the ALTER TABLE … DELETE mutation to remove the deleted unit' },
    );
  });
});
