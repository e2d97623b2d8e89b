/**
 * Writes one dump of a course into its tables (see writeCourseDump for the order that keeps a dump whole for
 * readers), and only what the latest recorded dump does not already hold.
 */

import type { Dump } from '../../domain/dump.js';
import { CourseKey } from '../../domain/keys.js';
import type { CourseSnapshot } from '../../openedx/api-types.js';
import type { Outline } from '../../outline/types.js';
import { bind } from './bind.js';
import type { ServerCapabilities } from './connection.js';
import { databaseOf, retried, type WriterContext } from './context.js';
import { clickHouseErrorCode } from './errors.js';
import {
  DumpFingerprint,
  latestRecordedDump,
  latestRowsOf,
  recordDump,
  type RecordedDump,
} from './fingerprint.js';
import { pruneRemovedBlocks } from './prune.js';
import { insertSpooled, RowSpool } from './spool.js';
import { tableExists } from './table-exists.js';
import { writeTagTables } from './tag-writer.js';
import { courseBlocks } from './tables/course-blocks.js';
import { courseOverviews, type CourseOverviewRow } from './tables/course-overviews.js';
import { courseRelationships } from './tables/course-relationships.js';
import { dumpColumns, type AnyCourseTable, type DumpColumns } from './tables/descriptor.js';

export interface CourseDumpInput {
  snapshot: CourseSnapshot;
  outline: Outline;
  dump: Dump;
  /** The lookup of the latest dump, started earlier (see lookUpLatestDump); asked here when absent or failed. */
  latest?: Promise<RecordedDump | undefined>;
}

export interface CourseDumpResult {
  rowsByTable: Record<string, number>;
  /** The id of the latest dump when it already holds exactly these rows: nothing was written. */
  unchanged?: string;
  /** Only tags changed since the latest dump: only the rows whose tags changed were written. */
  tagsOnly?: boolean;
  prunedTables: string[];
  /** Pruning failed after its retries; the dump itself is written, the next sync prunes again. */
  pruneError?: Error;
}

/** The tables written before the overview, in this order, each in one INSERT of its spooled rows. */
const SPOOLED_TABLES: ReadonlyArray<AnyCourseTable> = [courseBlocks, courseRelationships];

/** One spooled table of this dump; `written` is false for a table that is not there (dropped by aspects-dbt). */
interface Spooled {
  descriptor: AnyCourseTable;
  spool: RowSpool;
  written: boolean;
}

/**
 * Writes one dump of a course with Aspects' rows: every block row in one INSERT (the dbt materialized
 * view computes max(time_last_dumped) within each inserted block), the legacy relationship rows while
 * that table exists, and the overview row last. ClickHouse has no transaction across tables, so the
 * order is what keeps a dump whole for readers: a dump that has its overview row has all its rows, and a
 * process killed in between leaves only block (and relationship) rows of a dump no overview names; the
 * redelivered event then writes a complete, newer dump.
 * Nothing is written when the latest recorded dump already holds the same content (its fingerprint in
 * `course_sink_dumps`, recorded after the overview row). Each row is built once, into the fingerprint and
 * into its table's spool (spool.ts), and each INSERT streams its spool: no table's rows are all held at once.
 *
 * Every try, here or by the caller, resends the same dump (same dump_id and time_last_dumped). Two
 * guards keep a copy from landing twice: before each insert the table is checked for rows of this
 * dump_id (an earlier try may have committed and then timed out; one INSERT is one part, so its rows
 * are there all or not at all), and on servers that have it an `insert_deduplication_token` of
 * dump_id + table lets Replicated tables drop a resend that raced with the check.
 */
export async function writeCourseDump(ctx: WriterContext, input: CourseDumpInput): Promise<CourseDumpResult> {
  const { outline, dump } = input;
  const courseKey = outline.courseKey;
  const rowsByTable: Record<string, number> = {};

  // Spelled once: every row of this write, and the record of the dump, carry the same text.
  const stamp = dumpColumns(dump);
  const overview = [...courseOverviews.rows(input, stamp)];
  const spooled: Spooled[] = [];
  for (const descriptor of SPOOLED_TABLES) {
    const written = !descriptor.mayBeDropped || (await cachedTableExists(ctx, courseKey, descriptor.table));
    spooled.push({ descriptor, spool: new RowSpool(ctx.spoolMemoryBytes), written });
  }
  // Asked while the rows are built (or earlier, by the caller): needed only once the fingerprint is known.
  // A lookup that is stale by the time the rows are known (another replica dumped meanwhile) costs at most
  // a dump equal to that one, as before fingerprints.
  const latestDump = input.latest
    ? input.latest.catch(() => lookUpLatestDump(ctx, courseKey))
    : lookUpLatestDump(ctx, courseKey);
  latestDump.catch(() => undefined);
  try {
    // One pass builds each row once: into the fingerprint and into the table's spool, then dropped.
    const fingerprinted = new DumpFingerprint();
    fingerprinted.table(courseOverviews.table);
    for (const row of overview) fingerprinted.row(row);
    for (const { descriptor, spool, written } of spooled) {
      // A table that is not there is still named, so that its absence is part of the fingerprint.
      fingerprinted.table(descriptor.table);
      if (written) {
        for (const row of descriptor.rows(input, stamp)) {
          fingerprinted.row(row);
          if (spool.add(row)) await spool.flush();
        }
      }
      await spool.finish();
    }
    const fingerprints = fingerprinted.digest();
    const latest = await latestDump;
    if (latest?.fingerprint === fingerprints.fingerprint) {
      Object.assign(rowsByTable, await tagTables(ctx, input));
      return { rowsByTable, prunedTables: [], unchanged: latest.dumpId };
    }
    if (latest?.structure === fingerprints.structure)
      return await writeTagChanges(ctx, input, { stamp, overview, fingerprints, latest });
    return await writeDump(ctx, input, { stamp, overview, spooled, fingerprints });
  } finally {
    await Promise.all(spooled.map(({ spool }) => spool.dispose()));
  }
}

interface Fingerprints {
  fingerprint: string;
  structure: string;
}

interface BuiltDump {
  stamp: DumpColumns;
  overview: CourseOverviewRow[];
  spooled: Spooled[];
  fingerprints: Fingerprints;
}

/** The taxonomy, tag and object-tag rows that changed, when the snapshot carries tags. */
async function tagTables(ctx: WriterContext, input: CourseDumpInput): Promise<Record<string, number>> {
  const tags = input.snapshot.tags;
  return tags ? writeTagTables(ctx, tags, { courseKey: input.outline.courseKey, tags }) : {};
}

/** Records a dump after its rows: a recorded dump is whole (or amends a whole one with its tag changes). */
function record(
  ctx: WriterContext,
  input: CourseDumpInput,
  built: { stamp: DumpColumns; fingerprints: Fingerprints },
  baseDumpId: string,
): Promise<void> {
  const courseKey = input.outline.courseKey;
  const { stamp, fingerprints } = built;
  return retried(ctx, `recording dump ${stamp.dump_id} of ${courseKey}`, () =>
    recordDump(ctx.client, databaseOf(ctx), {
      course_key: courseKey,
      dump_id: stamp.dump_id,
      base_dump_id: baseDumpId,
      fingerprint: fingerprints.fingerprint,
      structure_fingerprint: fingerprints.structure,
      time_last_dumped: stamp.time_last_dumped,
    }),
  );
}

/**
 * Only tags changed since the latest dump: the block rows whose tags changed are written (and the overview
 * row if the course's own did), a partial dump amending the latest whole one. aspects-dbt reads each block's
 * latest row and each course's latest overview, so its views show the new tags and every other row as it was.
 */
async function writeTagChanges(
  ctx: WriterContext,
  input: CourseDumpInput,
  built: Omit<BuiltDump, 'spooled'> & { latest: RecordedDump },
): Promise<CourseDumpResult> {
  const { outline, dump } = input;
  const course = courseOf(outline.courseKey);
  const rowsByTable: Record<string, number> = {};
  const current = await retried(ctx, `reading the latest rows of ${course.courseKey}`, () =>
    latestRowsOf(ctx.client, databaseOf(ctx), course, ctx.capabilities.queryParams),
  );
  const changed = new RowSpool(ctx.spoolMemoryBytes);
  try {
    for (const row of courseBlocks.rows(input, built.stamp)) {
      if (current.blocks.get(row.location) !== row.xblock_data_json && changed.add(row))
        await changed.flush();
    }
    await changed.finish();
    rowsByTable[courseBlocks.table] = await insertDump(ctx, dump, courseBlocks, course, changed);
  } finally {
    await changed.dispose();
  }
  if ((current.courseDataJson || undefined) !== built.overview[0]?.course_data_json) {
    rowsByTable[courseOverviews.table] = await insertDump(ctx, dump, courseOverviews, course, built.overview);
  }
  Object.assign(rowsByTable, await tagTables(ctx, input));
  await record(ctx, input, built, built.latest.baseDumpId);
  return { rowsByTable, prunedTables: [], tagsOnly: true };
}

async function writeDump(
  ctx: WriterContext,
  input: CourseDumpInput,
  built: BuiltDump,
): Promise<CourseDumpResult> {
  const { outline, dump } = input;
  const course = courseOf(outline.courseKey);
  const rowsByTable: Record<string, number> = {};

  for (const { descriptor, spool, written } of built.spooled) {
    if (!written) continue;
    try {
      rowsByTable[descriptor.table] = await insertDump(ctx, dump, descriptor, course, spool);
    } catch (err) {
      // Dropped by remove_deprecated_models while we were running: note it and carry on without it.
      if (!descriptor.mayBeDropped || clickHouseErrorCode((err as Error).cause) !== UNKNOWN_TABLE) throw err;
      ctx.tableCache?.set(descriptor.table, false);
    }
  }
  rowsByTable[courseOverviews.table] = await insertDump(ctx, dump, courseOverviews, course, built.overview);
  Object.assign(rowsByTable, await tagTables(ctx, input));
  // Recorded last: a recorded dump is a whole one. A crash before this leaves the rows unrecorded, and the
  // next sync writes the course again.
  await record(ctx, input, built, dump.dumpId);

  if (!ctx.pruneRemovedBlocks) return { rowsByTable, prunedTables: [] };
  // The dump is written and visible; a prune that keeps failing must not fail the sync (and dead-letter
  // events whose rows are already there): it is reported, and the next sync of the course prunes again.
  try {
    const prunedTables = await retried(ctx, `pruning removed blocks of ${course.courseKey}`, () =>
      pruneRemovedBlocks(ctx, outline),
    );
    return { rowsByTable, prunedTables };
  } catch (err) {
    return { rowsByTable, prunedTables: [], pruneError: err as Error };
  }
}

/** The latest whole dump of a course, with the writer's retries and error classification. */
export function lookUpLatestDump(ctx: WriterContext, courseKey: string): Promise<RecordedDump | undefined> {
  const database = databaseOf(ctx);
  return retried(ctx, `reading the latest dump of ${courseKey}`, () =>
    latestRecordedDump(ctx.client, database, courseOf(courseKey), ctx.capabilities.queryParams),
  );
}

const UNKNOWN_TABLE = 60;

/** A course as the tables' sorting keys name it. */
interface Course {
  org: string;
  courseKey: string;
}

function courseOf(courseKey: string): Course {
  return { org: CourseKey.parse(courseKey).org, courseKey };
}

/** What one insert sends: rows in memory (the overview) or a table's spooled rows. */
type InsertRows = object[] | RowSpool;

async function insertDump(
  ctx: WriterContext,
  dump: Dump,
  descriptor: AnyCourseTable,
  course: Course,
  rows: InsertRows,
): Promise<number> {
  const count = Array.isArray(rows) ? rows.length : rows.rows;
  if (count === 0) return 0;
  const database = databaseOf(ctx);
  const { table, columns } = descriptor;
  const doing = `writing ${count} row(s) of ${course.courseKey} (dump ${dump.dumpId}) to ${database}.${table}`;
  const ledger = ctx.insertLedger;
  const key = `${dump.dumpId}:${table}`;
  // `order` is a keyword in ClickHouse SQL; the JSON keys stay unquoted.
  const quoted = columns.map((c) => (c === 'order' ? '`order`' : c));
  const settings = dedupSettings(ctx.capabilities, key);
  return retried(ctx, `${doing}; the same dump is resent on retry, so retrying is safe`, async () => {
    if (ledger?.get(key) === 'done') return count;
    if (!ledger || ledger.has(key)) {
      const existing = await rowsOfDump(ctx, database, descriptor, course, dump.dumpId);
      if (existing > 0) {
        ledger?.set(key, 'done');
        return existing;
      }
    }
    ledger?.set(key, 'sent');
    if (Array.isArray(rows)) {
      await ctx.client.insert({
        table: `${database}.${table}`,
        columns: quoted as [string, ...string[]],
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: settings,
      });
    } else {
      await insertSpooled(
        ctx.client,
        { table: `${database}.${table}`, columns: quoted, embedded: ctx.capabilities.embedded, settings },
        rows,
      );
    }
    ledger?.set(key, 'done');
    return count;
  });
}

/**
 * Deduplication tokens only act on Replicated tables (or ones with non_replicated_deduplication_window),
 * i.e. on a cluster. chdb is never one, and it applies settings to its whole session, so it gets none.
 */
function dedupSettings(caps: ServerCapabilities, token: string): Record<string, string> {
  return caps.insertDeduplicationToken && !caps.embedded ? { insert_deduplication_token: token } : {};
}

/** Rows of one dump already in a table; the look-up names the leading columns of its sorting key. */
async function rowsOfDump(
  ctx: WriterContext,
  database: string,
  descriptor: AnyCourseTable,
  course: Course,
  dumpId: string,
): Promise<number> {
  const { org, courseKey } = course;
  const where = descriptor.keyedByOrg ? 'org = {org:String} AND ' : '';
  const rs = await ctx.client.query({
    ...bind(
      `SELECT count() AS n FROM ${database}.${descriptor.table} WHERE ${where}course_key = {courseKey:String} AND dump_id = {dumpId:UUID}`,
      descriptor.keyedByOrg ? { org, courseKey, dumpId } : { courseKey, dumpId },
      ctx.capabilities.queryParams,
    ),
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ n: number | string }>();
  return Number(rows[0]?.n ?? 0);
}

async function cachedTableExists(ctx: WriterContext, courseKey: string, table: string): Promise<boolean> {
  const cache = (ctx.tableCache ??= new Map());
  const known = cache.get(table);
  if (known !== undefined) return known;
  const exists = await retried(
    ctx,
    `checking whether ${ctx.database}.${table} exists (writing ${courseKey})`,
    () => tableExists(ctx.client, ctx.database, table, ctx.capabilities.queryParams),
  );
  cache.set(table, exists);
  return exists;
}
