import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { bind } from './bind.js';

/**
 * The content of a dump without what makes it a dump: every column of every row except `dump_id`,
 * `time_last_dumped`, and `created` / `modified`, which carry the dump time when the LMS does not expose
 * `edited_on`. Two syncs of an unchanged course have the same fingerprint.
 */
const DUMP_COLUMNS = new Set(['dump_id', 'time_last_dumped', 'created', 'modified']);

export function dumpFingerprint(tables: Array<[table: string, rows: ReadonlyArray<object>]>): string {
  const hash = new DumpFingerprint();
  for (const [table, rows] of tables) {
    hash.table(table);
    for (const row of rows) hash.row(row);
  }
  return hash.digest();
}

/** The same fingerprint, fed one table and one row at a time as the rows are built. */
export class DumpFingerprint {
  private readonly hash = createHash('sha256');

  table(name: string): void {
    this.hash.update(`${name}\n`);
  }

  row(row: object): void {
    // One update per row: the digest is that of the concatenation, so it equals one update per value.
    let text = '';
    for (const column in row) {
      if (!DUMP_COLUMNS.has(column)) text += `${String((row as Record<string, unknown>)[column])}\u0000`;
    }
    this.hash.update(text + '\n');
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

export type { RecordedDump } from '../../sync/ports.js';
import type { RecordedDump } from '../../sync/ports.js';

/**
 * The latest dump course-sink recorded for a course, if its overview row is still there (a table emptied
 * by an operator must be refilled, whatever the record says). Asked in two steps, the overview only when
 * there is a record: a course never dumped before (every course of a backfill) costs one small query.
 */
export async function latestRecordedDump(
  client: ClickHouseClient,
  database: string,
  course: { org: string; courseKey: string },
  queryParams: boolean,
): Promise<RecordedDump | undefined> {
  const rs = await client.query({
    ...bind(
      `SELECT toString(dump_id) AS dumpId, fingerprint FROM ${database}.course_sink_dumps ` +
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
      { org: course.org, courseKey: course.courseKey, dumpId: row.dumpId },
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
  row: { course_key: string; dump_id: string; fingerprint: string; time_last_dumped: string },
): Promise<void> {
  await client.insert({ table: `${database}.course_sink_dumps`, values: [row], format: 'JSONEachRow' });
}
