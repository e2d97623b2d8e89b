import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CourseEvent } from '../../../src/domain/events.js';
import { LmsClient, LmsCourseSource } from '../../../src/openedx/lms/index.js';
import type { ClickHouseConnection } from '../../../src/sinks/clickhouse/connection.js';
import { migrateClickHouse } from '../../../src/sinks/clickhouse/migrate.js';
import { ClickHouseCourseSink } from '../../../src/sinks/clickhouse/sink.js';
import { syncCourse, type SyncDeps } from '../../../src/sync/course-sync.js';
import { refreshTagTables } from '../../../src/app/tag-refresher.js';
import { TestLms } from '../../peers/openedx/server.js';
import { smallCourse } from '../../openedx/lms/support.js';
import {
  blockTagsSql,
  dimMostRecentCourseTagsSql,
  dimMostRecentObjectTagsSql,
  selectAll,
} from '../../sinks/clickhouse/support/aspects-dbt.js';

/**
 * Content tags from Studio's tagging API into Aspects' rows and tag tables, read back through aspects-dbt's
 * tag models: a course and its blocks tagged in the stand-in show their tags (ancestors included) after a
 * sync, a later tag change shows after a sync with no publish in between and writes only the rows whose tags
 * changed, and a replay writes nothing.
 */

export interface TagStore {
  conn: ClickHouseConnection;
  /** aspects-dbt's models need a modern ClickHouse (CTEs, JSONExtract*); Debian's 18.16 has neither. */
  dbt: boolean;
  close(): Promise<void>;
}

const KEY = 'course-v1:TagX+Tags101+2026';
const unit = 'block-v1:TagX+Tags101+2026+type@vertical+block@unit1';
const problem = 'block-v1:TagX+Tags101+2026+type@problem+block@p1';
/** The cases, against a ClickHouse connection `open` gives (the embedded engine or a server). */
export function contentTagCases(where: string, open: () => Promise<TagStore>): void {
  let lms: TestLms;
  let store: TagStore;
  let conn: ClickHouseConnection;
  const database = `event_sink_tags_${process.pid}_${Date.now().toString(36)}`;
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

    store = await open();
    conn = store.conn;
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
      clickhouse: new ClickHouseCourseSink({
        client: conn.client,
        database,
        capabilities: conn.capabilities,
      }),
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
    await conn?.client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await store?.close();
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

  /** Each block's latest row's tag ids, as dim_most_recent_course_blocks would hold them. */
  const blockTags = async () => {
    if (store.dbt)
      return selectAll<{ location: string; tag_id: number }>(conn.client, blockTagsSql(database));
    const rows = await selectAll<{ location: string; data: string }>(
      conn.client,
      `SELECT location, argMax(xblock_data_json, time_last_dumped) AS data FROM ${database}.course_blocks GROUP BY location ORDER BY location`,
    );
    return rows.flatMap((r) =>
      ((JSON.parse(r.data) as { tags: number[] }).tags ?? []).map((tag_id) => ({
        location: r.location,
        tag_id,
      })),
    );
  };

  /** The tag ids of the course's newest overview row (dim_course_names, by `modified`). */
  const courseTagIds = async () => {
    const [latest] = await selectAll<{ data: string }>(
      conn.client,
      `SELECT course_data_json AS data FROM ${database}.course_overviews ORDER BY modified DESC LIMIT 1`,
    );
    const ids = (JSON.parse(latest!.data) as { tags: number[] }).tags;
    if (store.dbt) {
      const joined = await selectAll<{ tag_id: number }>(conn.client, dimMostRecentCourseTagsSql(database));
      expect(joined.map((t) => t.tag_id)).toEqual(ids);
    }
    return ids;
  };

  describe(`content tags in Aspects (${where})`, () => {
    it("writes the course's and the blocks' tag ids, ancestors included, and the tag tables", async () => {
      const result = await syncCourse(deps, KEY);
      expect(result.dump).toBeDefined();
      expect(await courseTagIds()).toEqual([50]);
      if (store.dbt) {
        const named = await selectAll<{ tag: string; taxonomy_name: string }>(
          conn.client,
          dimMostRecentCourseTagsSql(database),
        );
        expect(named.map((t) => [t.tag, t.taxonomy_name])).toEqual([['Physics', 'Subject']]);
      }
      expect(await blockTags()).toEqual([
        { location: problem, tag_id: 30 },
        { location: problem, tag_id: 31 },
      ]);
      const objectTags = await selectAll<{ object_id: string; _value: string; lineage: string }>(
        conn.client,
        store.dbt
          ? `SELECT object_id, _value, lineage FROM (${dimMostRecentObjectTagsSql(database)}) ORDER BY object_id`
          : `SELECT argMax(object_id, time_last_dumped) AS object_id, argMax(_value, time_last_dumped) AS _value, ` +
              `argMax(lineage, time_last_dumped) AS lineage FROM ${database}.object_tag GROUP BY id ORDER BY object_id`,
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
      const tagsNow = await blockTags();
      expect(tagsNow).toContainEqual({ location: unit, tag_id: 32 });
      expect(tagsNow).toContainEqual({ location: unit, tag_id: 30 });

      // A tag on the course itself changes its overview row, which dim_course_names then prefers.
      lms.tagObject(KEY, 3, ['Easy']);
      await syncCourse(deps, KEY, [tagChange(KEY)]);
      expect(await courseTagIds()).toEqual([30, 31, 50]);
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
}
