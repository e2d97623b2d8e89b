import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse, type ClickHouseConnection } from '../../../src/sinks/clickhouse/connection.js';
import { migrateClickHouse } from '../../../src/sinks/clickhouse/migrate.js';
import { newDump } from '../../../src/domain/dump.js';
import { formatDumpTime } from '../../../src/sinks/clickhouse/datetime.js';
import { ClickHouseCourseSink } from '../../../src/sinks/clickhouse/sink.js';
import type { WriterContext } from '../../../src/sinks/clickhouse/context.js';
import { writeCourseDump } from '../../../src/sinks/clickhouse/writer.js';
import { buildOutline, completionModeOf } from '../../../src/outline/index.js';
import {
  createDimMostRecentCourseBlocks,
  dimCourseBlocksSql,
  dimCourseNamesSql,
  dimMostRecentCourseBlocksSql,
  optimizeDimMostRecent,
  selectAll,
} from './support/aspects-dbt.js';
import { COURSE_KEY, snapshot, usage } from './support/course.js';

// chdb binds one data directory per process, so the whole file shares one engine and each test gets its own database.
let dataDir: string;
let conn: ClickHouseConnection;
let dbCounter = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'course-sink-ch-'));
  conn = await openClickHouse({ user: 'default', dataDir });
});

afterAll(async () => {
  await conn?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function freshDatabase(opts: { dbt?: boolean } = {}): Promise<WriterContext> {
  const database = `event_sink_${process.pid}_${++dbCounter}`;
  await migrateClickHouse(conn.client, { database, capabilities: conn.capabilities });
  if (opts.dbt) await createDimMostRecentCourseBlocks(conn.client, database);
  return { client: conn.client, database, capabilities: conn.capabilities, retry: fastRetry };
}

const fastRetry = { maxAttempts: 4, initialMs: 1, maxMs: 2, multiplier: 2 };

let dumpCounter = 0;
function dump(at = new Date(Date.UTC(2024, 6, 10, 19, 58, 24, 94) + ++dumpCounter * 1000)) {
  return newDump(at);
}

async function sync(ctx: WriterContext, withoutIds: string[] = []) {
  const snap = snapshot(withoutIds);
  const d = dump();
  await writeCourseDump(ctx, { snapshot: snap, outline: buildOutline(snap.blocks), dump: d });
  return d;
}

interface DimCourseBlock {
  block_id: string;
  section_block_id: string;
  subsection_block_id: string;
  block_name: string;
  hierarchy_location: string;
  display_name_with_location: string;
  section_number: string;
  subsection_number: string;
  course_order: number;
  graded: boolean;
  block_type: string;
  course_name: string;
  course_run: string;
}

async function dimCourseBlocks(db: string): Promise<DimCourseBlock[]> {
  await optimizeDimMostRecent(conn.client, db);
  return selectAll<DimCourseBlock>(conn.client, dimCourseBlocksSql(db));
}

describe('migrations', () => {
  it('create Aspects tables with the exact column names, types and sorting keys', async () => {
    const { database } = await freshDatabase();
    const cols = await selectAll<{ table: string; name: string; type: string }>(
      conn.client,
      `SELECT table, name, type FROM system.columns WHERE database = '${database}' ORDER BY table, position`,
    );
    const of = (t: string) => cols.filter((c) => c.table === t).map((c) => `${c.name} ${c.type}`);
    expect(of('course_blocks')).toEqual([
      'org String',
      'course_key String',
      'location String',
      'display_name String',
      'xblock_data_json String',
      'order Int32',
      'edited_on String',
      'dump_id UUID',
      'time_last_dumped String',
    ]);
    expect(of('course_overviews')).toContain('self_paced Bool');
    expect(of('course_overviews')).toHaveLength(13);
    expect(of('course_relationships')).toHaveLength(6);
    const keys = await selectAll<{ name: string; sorting_key: string; primary_key: string; engine: string }>(
      conn.client,
      `SELECT name, sorting_key, primary_key, engine FROM system.tables WHERE database = '${database}' ORDER BY name`,
    );
    expect(keys.find((k) => k.name === 'course_blocks')).toMatchObject({
      engine: 'MergeTree',
      primary_key: 'org, course_key, location, edited_on',
      sorting_key: 'org, course_key, location, edited_on, order',
    });
    expect(keys.find((k) => k.name === 'course_overviews')).toMatchObject({
      primary_key: 'org, course_key, modified, time_last_dumped',
    });
  });

  it('apply each file once and do nothing when run again', async () => {
    const ctx = await freshDatabase();
    const again = await migrateClickHouse(conn.client, {
      database: ctx.database,
      capabilities: conn.capabilities,
    });
    expect(again.applied).toEqual([]);
    const ledger = await selectAll<{ name: string }>(
      conn.client,
      `SELECT name FROM ${ctx.database}.course_sink_migrations FINAL ORDER BY name`,
    );
    expect(ledger.map((r) => r.name)).toEqual([
      '0001_event_sink_database.sql',
      '0002_course_overviews.sql',
      '0003_course_blocks.sql',
      '0004_course_relationships.sql',
      '0005_course_sink_dumps.sql',
      '0006_taxonomy.sql',
      '0007_tag.sql',
      '0008_object_tag.sql',
    ]);
  });

  it('tolerate several migrators running at the same time', async () => {
    const database = `event_sink_${process.pid}_concurrent`;
    const runs = await Promise.all(
      [1, 2, 3].map(() => migrateClickHouse(conn.client, { database, capabilities: conn.capabilities })),
    );
    expect(runs.every((r) => r.applied.length <= 8)).toBe(true);
    const tables = await selectAll<{ name: string }>(
      conn.client,
      `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
    );
    expect(tables.map((t) => t.name)).toEqual([
      'course_blocks',
      'course_overviews',
      'course_relationships',
      'course_sink_dumps',
      'course_sink_migrations',
      'object_tag',
      'tag',
      'taxonomy',
    ]);
  });
});

describe('a course dump read through the aspects-dbt course models', () => {
  it('gives every block its section and subsection block and display_name_with_location', async () => {
    const ctx = await freshDatabase({ dbt: true });
    await sync(ctx);
    const rows = await dimCourseBlocks(ctx.database);
    const byId = new Map(rows.map((r) => [r.block_id, r]));

    expect(rows).toHaveLength(18);
    expect(byId.get(usage('problem', 'p1111'))).toMatchObject({
      section_block_id: usage('chapter', 'ch1'),
      subsection_block_id: usage('sequential', 'seq11'),
      hierarchy_location: '1:1:1',
      display_name_with_location: '1:1:1 - problem',
      graded: true,
      block_type: 'problem',
      course_order: 5,
      course_name: 'Open edX Demo Course &amp; Friends',
      course_run: 'DemoCourse',
    });
    expect(byId.get(usage('video', 'vid1121'))).toMatchObject({
      section_block_id: usage('chapter', 'ch1'),
      subsection_block_id: usage('sequential', 'seq11'),
      display_name_with_location: '1:1:2 - Welcome',
    });
    expect(byId.get(usage('sequential', 'seq12'))).toMatchObject({
      section_block_id: usage('chapter', 'ch1'),
      subsection_block_id: usage('sequential', 'seq12'),
      display_name_with_location: '1:2:0 - The Structure of the Open edX® platform',
      block_type: 'subsection',
      graded: false,
    });
    expect(byId.get(usage('html', 'h2121'))).toMatchObject({
      section_block_id: usage('chapter', 'ch2'),
      subsection_block_id: usage('sequential', 'seq21'),
      display_name_with_location: '2:1:2 - Doomed',
      section_number: '2:0:0',
      subsection_number: '2:1:0',
    });
    expect(byId.get(usage('vertical', 'v111'))?.display_name_with_location).toBe(
      '1:1:1 - Try it - Single-select',
    );
    expect(byId.get(usage('course_info', 'updates'))).toMatchObject({
      hierarchy_location: '0:0:0',
      course_order: 18,
    });
    expect(rows.map((r) => r.course_order)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  it('matches the model SELECT run over course_blocks directly and dim_course_names', async () => {
    const ctx = await freshDatabase({ dbt: true });
    const d = await sync(ctx);
    const direct = await selectAll<{ location: string; display_name_with_location: string; dump_id: string }>(
      conn.client,
      `${dimMostRecentCourseBlocksSql(ctx.database)} ORDER BY course_order`,
    );
    expect(direct).toHaveLength(18);
    expect(new Set(direct.map((r) => r.dump_id))).toEqual(new Set([d.dumpId]));
    expect(direct.find((r) => r.location === usage('chapter', 'ch1'))?.display_name_with_location).toBe(
      '1:0:0 - Module 1: Dive into the Open edX® platform!',
    );
    const names = await selectAll(conn.client, dimCourseNamesSql(ctx.database));
    expect(names).toEqual([
      {
        course_key: COURSE_KEY,
        course_name: 'Open edX Demo Course &amp; Friends',
        course_run: 'DemoCourse',
        org: 'OpenedX',
        tags_str: '[]',
      },
    ]);
  });

  it('writes the same rows when they outgrow memory and the engine reads them from a temporary file', async () => {
    const inMemory = await freshDatabase();
    const spilled = { ...(await freshDatabase()), spoolMemoryBytes: 0 };
    const snap = snapshot();
    const input = { snapshot: snap, outline: buildOutline(snap.blocks), dump: dump() };
    for (const ctx of [inMemory, spilled]) await writeCourseDump(ctx, input);
    const contents = async (ctx: WriterContext) => [
      await selectAll(conn.client, `SELECT * FROM ${ctx.database}.course_blocks ORDER BY location`),
      await selectAll(
        conn.client,
        `SELECT * FROM ${ctx.database}.course_relationships ORDER BY child_location`,
      ),
    ];
    const [blocks, relationships] = await contents(spilled);
    expect([blocks!.length, relationships!.length]).toEqual([18, 16]);
    expect([blocks, relationships]).toEqual(await contents(inMemory));
  });

  it('stores xblock_data_json byte for byte as the Aspects plugin does', async () => {
    const ctx = await freshDatabase();
    await sync(ctx);
    const rows = await selectAll<{
      location: string;
      display_name: string;
      xblock_data_json: string;
      edited_on: string;
    }>(
      conn.client,
      `SELECT location, display_name, xblock_data_json, edited_on FROM ${ctx.database}.course_blocks`,
    );
    const get = (loc: string) => rows.find((r) => r.location === loc);
    expect(get(usage('chapter', 'ch1'))).toEqual({
      location: usage('chapter', 'ch1'),
      display_name: 'Module 1: Dive into the Open edX® platform!',
      xblock_data_json: `{"course": "DemoX", "run": "DemoCourse", "block_type": "chapter", "detached": 0, "graded": 0, "completion_mode": "${completionModeOf('chapter')}", "section": 1, "subsection": 0, "unit": 0, "tags": []}`,
      edited_on: '',
    });
    expect(get(usage('sequential', 'seq11'))?.display_name).toBe("Ohm's Calculator");
    expect(get(usage('problem', 'p1111'))?.xblock_data_json).toBe(
      `{"course": "DemoX", "run": "DemoCourse", "block_type": "problem", "detached": 0, "graded": 1, "completion_mode": "${completionModeOf('problem')}", "section": 1, "subsection": 1, "unit": 1, "tags": []}`,
    );
    expect(get(usage('course_info', 'updates'))?.xblock_data_json).toBe(
      `{"course": "DemoX", "run": "DemoCourse", "block_type": "course_info", "detached": 1, "graded": 0, "completion_mode": "${completionModeOf('course_info')}", "section": 0, "subsection": 0, "unit": 0, "tags": []}`,
    );
  });

  it('shares one dump_id and time_last_dumped across the overview, block and relationship rows', async () => {
    const ctx = await freshDatabase();
    const d = await sync(ctx);
    for (const table of ['course_overviews', 'course_blocks', 'course_relationships']) {
      const stamps = await selectAll<{ dump_id: string; time_last_dumped: string }>(
        conn.client,
        `SELECT DISTINCT toString(dump_id) AS dump_id, time_last_dumped FROM ${ctx.database}.${table}`,
      );
      expect(stamps, table).toEqual([{ dump_id: d.dumpId, time_last_dumped: formatDumpTime(d.dumpedAt) }]);
    }
    const counts = await selectAll<{ n: string | number }>(
      conn.client,
      `SELECT count() AS n FROM ${ctx.database}.course_relationships`,
    );
    expect(Number(counts[0]?.n)).toBe(16);
  });

  it('leaves the dbt result identical when the same sync is replayed', async () => {
    const ctx = await freshDatabase({ dbt: true });
    await sync(ctx);
    const first = await dimCourseBlocks(ctx.database);
    const firstNames = await selectAll(conn.client, dimCourseNamesSql(ctx.database));
    await sync(ctx);
    await sync(ctx);
    expect(await dimCourseBlocks(ctx.database)).toEqual(first);
    expect(await selectAll(conn.client, dimCourseNamesSql(ctx.database))).toEqual(firstNames);
  });
});

describe('a sync that finds the rows of the latest dump', () => {
  const count = async (database: string, table: string) =>
    Number(
      (await selectAll<{ n: string }>(conn.client, `SELECT count() AS n FROM ${database}.${table}`))[0]?.n,
    );

  it('writes no new dump, and a changed course writes one', async () => {
    const ctx = await freshDatabase();
    const first = await sync(ctx);
    const snap = snapshot();
    const again = await writeCourseDump(ctx, {
      snapshot: snap,
      outline: buildOutline(snap.blocks),
      dump: dump(),
    });
    expect(again.unchanged).toBe(first.dumpId);
    expect(again.rowsByTable).toEqual({});
    expect(await count(ctx.database, 'course_overviews')).toBe(1);
    expect(await count(ctx.database, 'course_sink_dumps')).toBe(1);
    await sync(ctx, ['v212']);
    expect(await count(ctx.database, 'course_overviews')).toBe(2);
    expect(await count(ctx.database, 'course_sink_dumps')).toBe(2);
  });

  it('writes the course again when the recorded dump is gone from course_overviews', async () => {
    const ctx = await freshDatabase();
    await sync(ctx);
    await conn.client.command({ query: `TRUNCATE TABLE ${ctx.database}.course_overviews` });
    const snap = snapshot();
    const again = await writeCourseDump(ctx, {
      snapshot: snap,
      outline: buildOutline(snap.blocks),
      dump: dump(),
    });
    expect(again.unchanged).toBeUndefined();
    expect(await count(ctx.database, 'course_overviews')).toBe(1);
  });
});

describe('a unit deleted in Studio', () => {
  const doomed = [usage('vertical', 'v212'), usage('html', 'h2121')];

  async function syncThenDelete(prune: boolean) {
    const ctx = await freshDatabase({ dbt: true });
    await sync(ctx);
    await sync({ ...ctx, pruneRemovedBlocks: prune }, ['v212']);
    const rows = await dimCourseBlocks(ctx.database);
    const history = await selectAll<{ location: string }>(
      conn.client,
      `SELECT DISTINCT location FROM ${ctx.database}.course_blocks`,
    );
    return { ids: rows.map((r) => r.block_id), history: history.map((h) => h.location) };
  }

  it('disappears from course_blocks and the dbt models when pruning is on', async () => {
    const { ids, history } = await syncThenDelete(true);
    expect(ids).toHaveLength(16);
    for (const loc of doomed) {
      expect(ids).not.toContain(loc);
      expect(history).not.toContain(loc);
    }
    expect(ids).toContain(usage('vertical', 'v211'));
  });

  it('reports a prune the server refuses, keeping the dump it already wrote', async () => {
    const ctx = await freshDatabase({ dbt: false });
    const refusing = new Proxy(conn.client, {
      get(target, prop, receiver) {
        if (prop !== 'command') return Reflect.get(target, prop, receiver);
        return async (params: Parameters<ClickHouseClient['command']>[0]) => {
          if (/\bDELETE\b/.test(params.query)) {
            throw new Error('Code: 497. DB::Exception: course_sink: Not enough privileges. (ACCESS_DENIED)');
          }
          return target.command(params);
        };
      },
    });
    const snap = snapshot(doomed);
    const d = dump();
    const result = await writeCourseDump(
      { ...ctx, client: refusing, pruneRemovedBlocks: true },
      { snapshot: snap, outline: buildOutline(snap.blocks), dump: d },
    );
    expect(result.prunedTables).toEqual([]);
    expect(result.pruneError?.message).toMatch(/pruning removed blocks.*497/);
    const counts = await selectAll<{ n: string | number }>(
      conn.client,
      `SELECT count() AS n FROM ${ctx.database}.course_blocks WHERE dump_id = toUUID('${d.dumpId}')`,
    );
    expect(Number(counts[0]?.n)).toBe(result.rowsByTable.course_blocks);
  });

  it('stays, as in stock Aspects, when pruning is off', async () => {
    const { ids, history } = await syncThenDelete(false);
    expect(ids).toHaveLength(18);
    for (const loc of doomed) {
      expect(ids).toContain(loc);
      expect(history).toContain(loc);
    }
  });
});

/**
 * Every way the writer inserts, behind one hook: `insert` (the overview, the dump record) and `exec` /
 * `command` with an INSERT (the spooled rows of course_blocks and course_relationships).
 */
function interceptInserts(
  client: ClickHouseClient,
  hook: (table: string, send: () => Promise<unknown>) => Promise<unknown>,
): ClickHouseClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'insert')
        return (params: Parameters<ClickHouseClient['insert']>[0]) =>
          hook(params.table, () => target.insert(params));
      if (prop === 'exec' || prop === 'command')
        return (params: { query: string }) => {
          const run = () => (target[prop] as (p: typeof params) => Promise<unknown>).call(target, params);
          const into = /^INSERT INTO (\S+)/.exec(params.query)?.[1];
          return into ? hook(into, run) : run();
        };
      return Reflect.get(target, prop, receiver);
    },
  });
}

describe('a retried insert', () => {
  async function overviewAndBlockCounts(database: string) {
    const counts = await selectAll<{ t: string; n: string | number }>(
      conn.client,
      `SELECT 'o' AS t, count() AS n FROM ${database}.course_overviews
       UNION ALL SELECT 'b' AS t, count() AS n FROM ${database}.course_blocks`,
    );
    const n = (t: string) => Number(counts.find((c) => c.t === t)?.n ?? 0);
    return { overviews: n('o'), blocks: n('b') };
  }

  /** The server commits the first course_blocks insert, then the client sees a timeout. */
  function timeoutAfterCommit(client: ClickHouseClient, table: string): ClickHouseClient {
    let tripped = false;
    return interceptInserts(client, async (into, send) => {
      const result = await send();
      if (!tripped && into.endsWith(`.${table}`)) {
        tripped = true;
        throw new Error('Timeout error.');
      }
      return result;
    });
  }

  it('after the server committed does not make a second visible dump', async () => {
    const ctx = await freshDatabase({ dbt: true });
    const flaky = { ...ctx, client: timeoutAfterCommit(conn.client, 'course_blocks') };
    const d = await sync(flaky);
    const counts = await selectAll<{ n: string | number }>(
      conn.client,
      `SELECT count() AS n FROM ${ctx.database}.course_blocks WHERE dump_id = toUUID('${d.dumpId}')`,
    );
    expect(Number(counts[0]?.n)).toBe(18);
    expect(await dimCourseBlocks(ctx.database)).toHaveLength(18);
  });

  it('through the sink, which skips checks for inserts it never sent, still leaves one dump', async () => {
    const ctx = await freshDatabase();
    const sink = new ClickHouseCourseSink({
      ...ctx,
      client: timeoutAfterCommit(conn.client, 'course_blocks'),
    });
    const snap = snapshot();
    const d = dump();
    const input = { snapshot: snap, outline: buildOutline(snap.blocks), dump: d };
    await sink.writeCourse(input);
    expect(await overviewAndBlockCounts(ctx.database)).toEqual({ overviews: 1, blocks: 18 });
  });

  it('by the caller with the same dump after a partial write leaves one copy of each row', async () => {
    const ctx = await freshDatabase();
    const blocksDown = interceptInserts(conn.client, (into, send) => {
      if (into.endsWith('.course_blocks'))
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return send();
    });
    const snap = snapshot();
    const input = { snapshot: snap, outline: buildOutline(snap.blocks), dump: dump() };
    await expect(writeCourseDump({ ...ctx, client: blocksDown }, input)).rejects.toMatchObject({
      name: 'RetryableError',
      message: expect.stringContaining('course_blocks'),
    });
    await writeCourseDump(ctx, input);
    expect(await overviewAndBlockCounts(ctx.database)).toEqual({ overviews: 1, blocks: 18 });
  });

  /** The process dies after `survive` inserts: nothing it sends afterwards reaches the server. */
  function killedAfter(client: ClickHouseClient, survive: number): ClickHouseClient {
    let inserts = 0;
    return interceptInserts(client, (_into, send) => {
      if (inserts++ >= survive) throw Object.assign(new Error('killed'), { code: 'ECONNRESET' });
      return send();
    });
  }

  for (const survive of [1, 2]) {
    it(`killed after ${survive} insert(s) leaves no overview naming a partial dump, and the replay is whole`, async () => {
      const ctx = await freshDatabase({ dbt: true });
      await sync(ctx);
      const killed = {
        ...ctx,
        client: killedAfter(conn.client, survive),
        retry: { ...fastRetry, maxAttempts: 1 },
      };
      // A changed course (a unit deleted), since a sync of the same rows writes nothing at all.
      await expect(sync(killed, ['v212'])).rejects.toThrow('killed');
      const replay = await sync(ctx, ['v212']);

      const dumps = await selectAll<{ dump_id: string; blocks: string; rels: string }>(
        conn.client,
        `SELECT o.dump_id AS dump_id,
                (SELECT count() FROM ${ctx.database}.course_blocks b WHERE b.dump_id = o.dump_id) AS blocks,
                (SELECT count() FROM ${ctx.database}.course_relationships r WHERE r.dump_id = o.dump_id) AS rels
         FROM ${ctx.database}.course_overviews o ORDER BY o.time_last_dumped`,
      );
      expect(dumps.map((d) => [Number(d.blocks), Number(d.rels)])).toEqual([
        [18, 16],
        [16, 14],
      ]);
      expect(dumps.at(-1)!.dump_id).toBe(replay.dumpId);
      // The deleted unit's two blocks keep their older rows there, as in stock Aspects (pruning is off).
      const latest = await dimCourseBlocks(ctx.database);
      expect(latest).toHaveLength(18);
    });
  }

  it('fails permanently, naming the course and table, when a value does not parse', async () => {
    const ctx = await freshDatabase();
    const snap = snapshot();
    const bad = { dumpId: 'not-a-uuid', dumpedAt: new Date() };
    await expect(
      writeCourseDump(ctx, { snapshot: snap, outline: buildOutline(snap.blocks), dump: bad }),
    ).rejects.toThrow(
      expect.objectContaining({
        name: 'PermanentError',
        // Block rows go first: the overview row, which makes a dump visible, goes last.
        message: expect.stringMatching(new RegExp(`${COURSE_KEY.replace(/\+/g, '\\+')}.*course_blocks`)),
      }),
    );
  });

  it('skips the relationship table when aspects-dbt has dropped it', async () => {
    const ctx = await freshDatabase();
    await conn.client.command({ query: `DROP TABLE ${ctx.database}.course_relationships` });
    const snap = snapshot();
    const result = await writeCourseDump(ctx, {
      snapshot: snap,
      outline: buildOutline(snap.blocks),
      dump: dump(),
    });
    expect(result.rowsByTable).toEqual({ course_overviews: 1, course_blocks: 18 });
  });
});
