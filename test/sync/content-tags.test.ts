import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CourseEvent } from '../../src/bus/events.js';
import { LmsClient, LmsCourseSource } from '../../src/openedx/lms/index.js';
import { openClickHouse, type ClickHouseConnection } from '../../src/sinks/clickhouse/connection.js';
import { migrateClickHouse } from '../../src/sinks/clickhouse/migrate.js';
import { ClickHouseCourseSink } from '../../src/sinks/clickhouse/sink.js';
import { syncCourse, type SyncDeps } from '../../src/sync/course-sync.js';
import { refreshTagTables } from '../../src/app/tag-refresher.js';
import { TestLms } from '../peers/openedx/server.js';
import { smallCourse } from '../openedx/lms/support.js';
import {
  blockTagsSql,
  dimMostRecentCourseTagsSql,
  dimMostRecentObjectTagsSql,
  selectAll,
} from '../sinks/clickhouse/support/aspects-dbt.js';

/**
 * Content tags from Studio's tagging API into Aspects' rows and tag tables, read back through aspects-dbt's
 * tag models: a course and its blocks tagged in the stand-in show their tags (ancestors included) after a
 * sync, a later tag change shows after a sync with no publish in between and writes only the rows whose tags
 * changed, and a replay writes nothing.
 */

const KEY = 'course-v1:TagX+Tags101+2026';
const unit = 'block-v1:TagX+Tags101+2026+type@vertical+block@unit1';
const problem = 'block-v1:TagX+Tags101+2026+type@problem+block@p1';
let lms: TestLms;
let dataDir: string;
let conn: ClickHouseConnection;
const database = `event_sink_tags_${process.pid}`;
let deps: SyncDeps;
let client: LmsClient;

const count = async (table: string) =>
  Number(
    (await selectAll<{ n: string }>(conn.client, `SELECT count() AS n FROM ${database}.${table}`))[0]?.n,
  );

beforeAll(async () => {
  lms = await TestLms.start();
  lms.setCourse(smallCourse(KEY, 'Tagged Course'));
  lms.addTaxonomy({
    id: 3,
    name: 'Difficulty',
    exportId: 'difficulty',
    allowFreeText: false,
    tags: [
      { id: 30, value: 'Level', parentValue: null, externalId: null },
      { id: 31, value: 'Easy', parentValue: 'Level', externalId: 'd-easy' },
      { id: 32, value: 'Hard', parentValue: 'Level', externalId: 'd-hard' },
    ],
  });
  lms.addTaxonomy({
    id: 5,
    name: 'Subject',
    exportId: 'subject',
    allowFreeText: false,
    tags: [{ id: 50, value: 'Physics', parentValue: null, externalId: null }],
  });
  lms.tagObject(KEY, 5, ['Physics']);
  lms.tagObject(problem, 3, ['Easy']);

  dataDir = mkdtempSync(path.join(tmpdir(), 'course-sink-tags-'));
  conn = await openClickHouse({ user: 'default', dataDir });
  await migrateClickHouse(conn.client, { database, capabilities: conn.capabilities });
  client = new LmsClient({
    baseUrl: lms.url,
    cmsBaseUrl: lms.cmsUrl,
    tags: true,
    clientId: lms.credentials.clientId,
    clientSecret: lms.credentials.clientSecret,
  });
  deps = {
    source: new LmsCourseSource(client),
    clickhouse: new ClickHouseCourseSink({ client: conn.client, database, capabilities: conn.capabilities }),
    catalog: {
      syncFromDetail: async () => 'unchanged',
      syncFromCatalogInfo: async () => 'unchanged',
      markRemoved: async () => 'unchanged',
    },
    logger: pino({ level: 'silent' }),
    retry: (_what, fn) => fn(),
  };
});

afterAll(async () => {
  await lms?.close();
  await conn?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const tagChange = (objectId: string): CourseEvent => ({
  kind: 'changed',
  courseKey: KEY,
  eventId: crypto.randomUUID(),
  eventType: 'org.openedx.content_authoring.content.object.associations.changed.v1',
  time: new Date(),
  objectId,
  changes: ['tags'],
});

describe('content tags in Aspects', () => {
  it("writes the course's and the blocks' tag ids, ancestors included, and the tag tables", async () => {
    const result = await syncCourse(deps, KEY);
    expect(result.dump).toBeDefined();
    const courseTags = await selectAll<{ tag: string; taxonomy_name: string; tag_id: number }>(
      conn.client,
      dimMostRecentCourseTagsSql(database),
    );
    expect(courseTags.map((t) => [t.tag_id, t.tag, t.taxonomy_name])).toEqual([[50, 'Physics', 'Subject']]);
    const blockTags = await selectAll<{ location: string; tag_id: number }>(
      conn.client,
      blockTagsSql(database),
    );
    expect(blockTags).toEqual([
      { location: problem, tag_id: 30 },
      { location: problem, tag_id: 31 },
    ]);
    const objectTags = await selectAll<{ object_id: string; _value: string; lineage: string }>(
      conn.client,
      `SELECT object_id, _value, lineage FROM (${dimMostRecentObjectTagsSql(database)}) ORDER BY object_id`,
    );
    expect(objectTags).toEqual([
      { object_id: problem, _value: 'Easy', lineage: '["Level", "Easy"]' },
      { object_id: KEY, _value: 'Physics', lineage: '["Physics"]' },
    ]);
    expect(await count('taxonomy')).toBe(2);
    expect(await count('tag')).toBe(4);
  });

  it('shows a tag change after the associations-changed event alone, writing only the rows whose tags changed', async () => {
    const blocksBefore = await count('course_blocks');
    const overviewsBefore = await count('course_overviews');
    lms.tagObject(unit, 3, ['Hard']);
    const result = await syncCourse(deps, KEY, [tagChange(unit)]);
    expect(result.rowsByTable.course_blocks).toBe(1);
    expect(result.rowsByTable.course_overviews).toBeUndefined();
    expect(await count('course_blocks')).toBe(blocksBefore + 1);
    expect(await count('course_overviews')).toBe(overviewsBefore);
    const blockTags = await selectAll<{ location: string; tag_id: number }>(
      conn.client,
      blockTagsSql(database),
    );
    expect(blockTags).toContainEqual({ location: unit, tag_id: 32 });
    expect(blockTags).toContainEqual({ location: unit, tag_id: 30 });

    // A tag on the course itself changes its overview row, which dim_course_names then prefers.
    lms.tagObject(KEY, 3, ['Easy']);
    await syncCourse(deps, KEY, [tagChange(KEY)]);
    const courseTags = await selectAll<{ tag_id: number }>(conn.client, dimMostRecentCourseTagsSql(database));
    expect(courseTags.map((t) => t.tag_id)).toEqual([30, 31, 50]);
  });

  it('writes nothing, in any table, when the whole history is synced again', async () => {
    const tables = ['course_blocks', 'course_overviews', 'taxonomy', 'tag', 'object_tag'];
    const before = await Promise.all(tables.map(count));
    const result = await syncCourse(deps, KEY, [tagChange(unit), tagChange(KEY)]);
    expect(result.unchangedDump).toBeDefined();
    expect(await Promise.all(tables.map(count))).toEqual(before);
  });

  it('refreshes a renamed tag on its own, with no course synced, and writes nothing when nothing changed', async () => {
    const ctx = { client: conn.client, database, capabilities: conn.capabilities };
    lms.tagging.taxonomies[1]!.tags[0]!.externalId = 'subj-phys';
    expect(await refreshTagTables(client, ctx)).toEqual({ taxonomy: 0, tag: 1 });
    expect(await refreshTagTables(client, ctx)).toEqual({ taxonomy: 0, tag: 0 });
  });

  it('syncs everything else when the platform has no content tagging', async () => {
    const untagged = new LmsClient({
      baseUrl: lms.url,
      cmsBaseUrl: `${lms.url}/no-studio-here`,
      tags: true,
      clientId: lms.credentials.clientId,
      clientSecret: lms.credentials.clientSecret,
    });
    expect(await untagged.getCourseTags(KEY)).toBeUndefined();
  });
});
