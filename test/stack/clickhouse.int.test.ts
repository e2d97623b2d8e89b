import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
} from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { stackVar, uniqueName } from '../support/stack.js';

const quiet = { level: ClickHouseLogLevel.OFF };

describe('local stack ClickHouse server (Debian 18.16) over HTTP', () => {
  const url = stackVar('CLICKHOUSE_URL');
  const database = stackVar('CLICKHOUSE_DATABASE');
  const client = createClient({
    url,
    username: stackVar('CLICKHOUSE_USER'),
    password: stackVar('CLICKHOUSE_PASSWORD'),
    database,
    log: quiet,
  });
  const table = uniqueName('smoke');

  afterAll(async () => {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await client.close();
  });

  it('is the 18.16 server with the event_sink database', async () => {
    const result = await client.query({
      query: 'SELECT version() AS version, currentDatabase() AS db',
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ version: expect.stringMatching(/^18\.16\./), db: database }]);
  });

  it('creates a table, inserts JSONEachRow rows and selects them back', async () => {
    // 18.16 has no Bool type: flags are UInt8.
    await client.command({
      query: `CREATE TABLE ${table} (id UInt32, title String, graded UInt8) ENGINE = MergeTree ORDER BY id`,
    });
    await client.insert({
      table,
      values: [
        { id: 2, title: 'Homework', graded: 1 },
        { id: 1, title: 'Introduction', graded: 0 },
      ],
      format: 'JSONEachRow',
    });
    const result = await client.query({
      query: `SELECT id, title, graded FROM ${table} ORDER BY id`,
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { id: 1, title: 'Introduction', graded: 0 },
      { id: 2, title: 'Homework', graded: 1 },
    ]);
  });

  it('rejects query_params, which 18.16 does not know (added in 19.11)', async () => {
    await expect(
      client.query({ query: 'SELECT {x:UInt8} AS x', query_params: { x: 1 }, format: 'JSONEachRow' }),
    ).rejects.toThrow(/Code: 115.*Unknown setting param_x/);
  });

  it('answers a wrong password with a wrong-password error, though /ping needs no credentials', async () => {
    const intruder = createClient({ url, username: 'course_sink', password: 'not-the-password', log: quiet });
    try {
      expect(await intruder.ping()).toEqual({ success: true });
      await expect(intruder.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toThrow(
        /Code: 193.*Wrong password for user course_sink/,
      );
    } finally {
      await intruder.close();
    }
  });
});

describe('in-process chdb through the @clickhouse/client connection', () => {
  let dataDir: string;
  let client: ClickHouseClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'course-sink-chdb-'));
    // chdb types its connection against the standalone @clickhouse/client-common, whose settings type has
    // drifted from the copy bundled in @clickhouse/client; the runtime contract is the same.
    const connection = createChdbConnection({ path: dataDir }) as unknown as NonNullable<
      ClickHouseClientConfigOptions['connection']
    >;
    client = createClient({ connection, log: quiet });
  });

  afterAll(async () => {
    await client.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates, inserts and selects with a Bool column and a typed query parameter', async () => {
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS event_sink' });
    await client.command({
      query:
        'CREATE TABLE event_sink.blocks (id UInt8, title String, graded Bool) ENGINE = MergeTree ORDER BY id',
    });
    await client.insert({
      table: 'event_sink.blocks',
      values: [
        { id: 1, title: 'Introduction', graded: false },
        { id: 2, title: 'Homework', graded: true },
        { id: 3, title: 'Exam', graded: true },
      ],
      format: 'JSONEachRow',
    });
    const result = await client.query({
      query: 'SELECT id, title, graded FROM event_sink.blocks WHERE id >= {from:UInt8} ORDER BY id',
      query_params: { from: 2 },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { id: 2, title: 'Homework', graded: true },
      { id: 3, title: 'Exam', graded: true },
    ]);
  });
});
