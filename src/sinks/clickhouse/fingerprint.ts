/**
 * Dump fingerprints and their record in `course_sink_dumps`: how the writer knows that ClickHouse already
 * holds a course's rows, or holds them but for their tags, and then writes nothing, or only the rows whose
 * tags changed.
 */

import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { bind } from './bind.js';
import { DUMP_COLUMN_NAMES } from './tables/descriptor.js';

/**
 * The content of a dump without what makes it a dump: every column of every row except `dump_id`,
 * `time_last_dumped`, and `created` / `modified`, which carry the dump time when the LMS does not expose
 * `edited_on`. Two syncs of an unchanged course have the same fingerprint.
 */
const DUMP_COLUMNS = new Set<string>([...DUMP_COLUMN_NAMES, 'created', 'modified']);

/** The JSON documents whose last key is `tags`, which change without the course's structure changing. */
const TAGGED_COLUMNS = new Set(['xblock_data_json', 'course_data_json']);
const TAGS_KEY = ', "tags": ';

/**
 * Two fingerprints of a dump's rows, fed one table and one row at a time as the rows are built: of
 * everything, and of everything but the `tags` lists (the course's structure). When only the first differs
 * from the latest dump's, only tags changed.
 */
export class DumpFingerprint {
  private readonly full = createHash('sha256');
  private readonly structure = createHash('sha256');

  table(name: string): void {
    this.full.update(`${name}\n`);
    this.structure.update(`${name}\n`);
  }

  row(row: object): void {
    // One update per row: the digest is that of the concatenation, so it equals one update per value.
    let full = '';
    let structure = '';
    for (const column in row) {
      if (DUMP_COLUMNS.has(column)) continue;
      const text = String((row as Record<string, unknown>)[column]);
      full += `${text}\u0000`;
      const cut = TAGGED_COLUMNS.has(column) ? text.lastIndexOf(TAGS_KEY) : -1;
      structure += `${cut < 0 ? text : text.slice(0, cut)}\u0000`;
    }
    this.full.update(full + '\n');
    this.structure.update(structure + '\n');
  }

  digest(): { fingerprint: string; structure: string } {
    return { fingerprint: this.full.digest('hex'), structure: this.structure.digest('hex') };
  }
}

export type { RecordedDump } from '../../sync/ports.js';
import type { RecordedDump } from '../../sync/ports.js';

/**
 * The latest dump course-sink recorded for a course, if the overview row of the whole dump it is or amends
 * is still there (a table emptied by an operator must be refilled, whatever the record says). Asked in two
 * steps, the overview only when there is a record: a course never dumped before (every course of a
 * backfill) costs one small query.
 */
export async function latestRecordedDump(
  client: ClickHouseClient,
  database: string,
  course: { org: string; courseKey: string },
  queryParams: boolean,
): Promise<RecordedDump | undefined> {
  const rs = await client.query({
    ...bind(
      `SELECT toString(dump_id) AS dumpId, toString(base_dump_id) AS baseDumpId, fingerprint, ` +
        `structure_fingerprint AS structure FROM ${database}.course_sink_dumps ` +
        `WHERE course_key = {courseKey:String} ORDER BY time_last_dumped DESC LIMIT 1`,
      { courseKey: course.courseKey },
      queryParams,
    ),
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<RecordedDump>();
  if (!row) return undefined;
  const overview = await client.query({
    ...bind(
      `SELECT count() AS n FROM ${database}.course_overviews ` +
        `WHERE org = {org:String} AND course_key = {courseKey:String} AND dump_id = {dumpId:UUID}`,
      { org: course.org, courseKey: course.courseKey, dumpId: row.baseDumpId },
      queryParams,
    ),
    format: 'JSONEachRow',
  });
  const [count] = await overview.json<{ n: number | string }>();
  return Number(count?.n ?? 0) > 0 ? row : undefined;
}

export async function recordDump(
  client: ClickHouseClient,
  database: string,
  row: {
    course_key: string;
    dump_id: string;
    base_dump_id: string;
    fingerprint: string;
    structure_fingerprint: string;
    time_last_dumped: string;
  },
): Promise<void> {
  await client.insert({ table: `${database}.course_sink_dumps`, values: [row], format: 'JSONEachRow' });
}

/**
 * The latest row of each block of a course and its latest overview's course_data_json: what readers see now,
 * which a tags-only change is compared against.
 */
export async function latestRowsOf(
  client: ClickHouseClient,
  database: string,
  course: { org: string; courseKey: string },
  queryParams: boolean,
): Promise<{ blocks: Map<string, string>; courseDataJson: string | undefined }> {
  const params = { org: course.org, courseKey: course.courseKey };
  const blocks = await client.query({
    ...bind(
      `SELECT location, argMax(xblock_data_json, time_last_dumped) AS data FROM ${database}.course_blocks ` +
        `WHERE org = {org:String} AND course_key = {courseKey:String} GROUP BY location`,
      params,
      queryParams,
    ),
    format: 'JSONEachRow',
  });
  const overview = await client.query({
    ...bind(
      `SELECT argMax(course_data_json, modified) AS data FROM ${database}.course_overviews ` +
        `WHERE org = {org:String} AND course_key = {courseKey:String}`,
      params,
      queryParams,
    ),
    format: 'JSONEachRow',
  });
  const [latestOverview] = await overview.json<{ data: string }>();
  return {
    blocks: new Map(
      (await blocks.json<{ location: string; data: string }>()).map((r) => [r.location, r.data]),
    ),
    courseDataJson: latestOverview?.data,
  };
}
