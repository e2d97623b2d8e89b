import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { bind } from './bind.js';

/**
 * The content of a dump without what makes it a dump: every column of every row except `dump_id`,
 * `time_last_dumped`, and `created` / `modified`, which carry the dump time when the LMS does not expose
 * `edited_on`. Two syncs of an unchanged course have the same fingerprint.
 */
const DUMP_COLUMNS = new Set(['dump_id', 'time_last_dumped', 'created', 'modified']);

/** The JSON documents whose last key is `tags`, which change without the course's structure changing. */
const TAGGED_COLUMNS = new Set(['xblock_data_json', 'course_data_json']);
const TAGS_KEY = ', "tags": ';

/**
 * Two fingerprints of the same rows: of everything, and of everything but the `tags` lists (the course's
 * structure). When only the first differs from the latest dump's, only tags changed.
 */
export function dumpFingerprints(tables: Array<[table: string, rows: ReadonlyArray<object>]>): {
  fingerprint: string;
  structure: string;
} {
  const full = createHash('sha256');
  const structure = createHash('sha256');
  for (const [table, rows] of tables) {
    full.update(`${table}\n`);
    structure.update(`${table}\n`);
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (DUMP_COLUMNS.has(column)) continue;
        const text = String(value);
        full.update(`${text}\u0000`);
        const cut = TAGGED_COLUMNS.has(column) ? text.lastIndexOf(TAGS_KEY) : -1;
        structure.update(`${cut < 0 ? text : text.slice(0, cut)}\u0000`);
      }
      full.update('\n');
      structure.update('\n');
    }
  }
  return { fingerprint: full.digest('hex'), structure: structure.digest('hex') };
}

export interface RecordedDump {
  dumpId: string;
  /** The whole dump this one amends (itself for a whole dump). */
  baseDumpId: string;
  fingerprint: string;
  structure: string;
}

/**
 * The latest dump course-sink recorded for a course, if the overview row of its whole dump is still there (a
 * table emptied by an operator must be refilled, whatever the record says).
 */
export async function latestRecordedDump(
  client: ClickHouseClient,
  database: string,
  course: { org: string; courseKey: string },
  queryParams: boolean,
): Promise<RecordedDump | undefined> {
  const rs = await client.query({
    ...bind(
      `SELECT toString(d.dump_id) AS dumpId, toString(d.base_dump_id) AS baseDumpId, d.fingerprint AS fingerprint, ` +
        `d.structure_fingerprint AS structure FROM ${database}.course_sink_dumps AS d ` +
        `WHERE d.course_key = {courseKey:String} AND d.base_dump_id IN ` +
        `(SELECT dump_id FROM ${database}.course_overviews WHERE org = {org:String} AND course_key = {courseKey:String}) ` +
        `ORDER BY d.time_last_dumped DESC LIMIT 1`,
      { org: course.org, courseKey: course.courseKey },
      queryParams,
    ),
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<RecordedDump>();
  return row;
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
