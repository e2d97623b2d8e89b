/**
 * Keeps programs / courses / course_runs in step with Open edX, following the MIT apps' policy
 * (mitxonline, mitxpro): edX owns a run's schedule and title, the catalog owns everything editorial.
 *
 * | table.column                         | owner | on sync                                                  |
 * |--------------------------------------|-------|----------------------------------------------------------|
 * | programs.*                           | local | never touched                                            |
 * | courses.readable_id                  | edX   | course-v1:{org}+{course}, set on creation                |
 * | courses.title                        | local | edX run name on creation only                            |
 * | courses.description, .thumbnail      | edX → local | follow edX (short_description, media.image.raw) until edited locally (`*_edited`), then kept |
 * | courses.program_id, .position_in_program, .live | local | never touched                                 |
 * | course_runs.course_id                | local | set on creation; a run moved to another course stays there |
 * | course_runs.courseware_id            | edX   | the course key; the upsert key                           |
 * | course_runs.title                    | edX   | overwritten (HTML-unescaped name)                        |
 * | course_runs.start_date, end_date, enrollment_start, enrollment_end | edX | overwritten (an end before its start is stored empty) |
 * | course_runs.self_paced               | edX   | overwritten (pacing == 'self')                           |
 * | course_runs.hidden                   | edX   | overwritten when the source says                         |
 * | course_runs.courseware_url           | edX   | {LMS_BASE_URL}/courses/{key}/ when LMS_BASE_URL is set   |
 * | course_runs.removed_from_edx_at, removal_reason | edX | set by markRunRemoved, cleared by the next sync |
 * | course_runs.live                     | local | false on creation, never touched                         |
 */
import type { Logger } from '../../log.js';
import { PermanentError, RetryableError } from '../../errors.js';
import { postgresStoreText, postgresStoreTextOrNull } from '../../domain/store-text.js';
import type { CatalogRunInput } from './catalog-input.js';
import type { SqlClient } from './sql-client.js';

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

export interface CatalogSyncResult {
  courseKey: string;
  course: WriteOutcome;
  run: WriteOutcome;
  warnings: string[];
}

export type RemovalReason = 'deleted_in_studio' | 'not_found_in_lms';

/**
 * Creates the course, or refreshes the edX-owned description/thumbnail of one that is not edited locally.
 * The WHERE skips the write when edX's values are unchanged; the UNION then finds the existing id.
 */
const UPSERT_COURSE_FROM_DETAIL = `
WITH written AS (
  INSERT INTO courses AS c (readable_id, title, description, edx_description, thumbnail, edx_thumbnail)
  VALUES ($1, $2, $3, $3, $4, $4)
  ON CONFLICT (readable_id) DO UPDATE SET
    description = CASE WHEN c.description_edited THEN c.description ELSE EXCLUDED.edx_description END,
    edx_description = EXCLUDED.edx_description,
    thumbnail = CASE WHEN c.thumbnail_edited THEN c.thumbnail ELSE EXCLUDED.edx_thumbnail END,
    edx_thumbnail = EXCLUDED.edx_thumbnail
  WHERE (c.edx_description, c.edx_thumbnail) IS DISTINCT FROM (EXCLUDED.edx_description, EXCLUDED.edx_thumbnail)
  RETURNING c.id, (c.xmax = 0) AS created, true AS written
)
SELECT id, created, written FROM written
UNION ALL
SELECT id, false, false FROM courses WHERE readable_id = $1 AND NOT EXISTS (SELECT 1 FROM written)`;

/** From CatalogInfo nothing course-level is known, so an existing course is left as it is. */
const INSERT_COURSE_IF_MISSING = `
WITH written AS (
  INSERT INTO courses (readable_id, title) VALUES ($1, $2)
  ON CONFLICT (readable_id) DO NOTHING
  RETURNING id, true AS created, true AS written
)
SELECT id, created, written FROM written
UNION ALL
SELECT id, false, false FROM courses WHERE readable_id = $1 AND NOT EXISTS (SELECT 1 FROM written)`;

/**
 * A course committed by a concurrent sync after this statement's snapshot is invisible to the UNION's
 * SELECT (the INSERT waited for it, then did nothing); a new statement sees it.
 */
const COURSE_ID = 'SELECT id FROM courses WHERE readable_id = $1';

/**
 * Inserts the run, or overwrites only its edX-owned columns; the WHERE makes an unchanged resync a
 * no-op (no new row version, updated_at untouched). A sync also brings a removed run back.
 */
const UPSERT_RUN = `
INSERT INTO course_runs AS r (
  course_id, courseware_id, courseware_url, title, start_date, end_date, enrollment_start, enrollment_end,
  self_paced, hidden, edx_synced_at
)
VALUES ($1::bigint, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7::timestamptz, $8::timestamptz,
  $9::boolean, COALESCE($10::boolean, false), now())
ON CONFLICT (courseware_id) DO UPDATE SET
  courseware_url = COALESCE($3, r.courseware_url),
  title = $4,
  start_date = $5::timestamptz,
  end_date = $6::timestamptz,
  enrollment_start = $7::timestamptz,
  enrollment_end = $8::timestamptz,
  self_paced = $9::boolean,
  hidden = COALESCE($10::boolean, r.hidden),
  removed_from_edx_at = NULL,
  removal_reason = NULL,
  edx_synced_at = now()
WHERE (r.courseware_url, r.title, r.start_date, r.end_date, r.enrollment_start, r.enrollment_end,
       r.self_paced, r.hidden, r.removed_from_edx_at IS NOT NULL)
  IS DISTINCT FROM
      (COALESCE($3, r.courseware_url), $4, $5::timestamptz, $6::timestamptz, $7::timestamptz, $8::timestamptz,
       $9::boolean, COALESCE($10::boolean, r.hidden), false)
RETURNING (r.xmax = 0) AS created`;

const MARK_RUN_REMOVED = `
UPDATE course_runs SET removed_from_edx_at = now(), removal_reason = $2
WHERE courseware_id = $1 AND removed_from_edx_at IS NULL
RETURNING id`;

const RUN_REMOVAL = 'SELECT removed_from_edx_at FROM course_runs WHERE courseware_id = $1';

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

/** Re-throws a store failure with the course it was for, keeping its retryable/permanent kind. */
function forCourse(err: unknown, courseKey: string, action: string): Error {
  const message = `catalog ${action} for ${courseKey}: ${(err as Error).message}`;
  if (err instanceof PermanentError) return new PermanentError(message, { cause: err });
  return new RetryableError(message, { cause: err });
}

/**
 * Upserts one course run and its course in one transaction, overwriting only edX-owned columns (see the
 * table above) and writing nothing when nothing changed. Concurrent syncs of one course are safe: the
 * unique keys serialize them, and both lock the course before the run, so they cannot deadlock.
 */
export async function syncCourseRun(
  sql: SqlClient,
  input: CatalogRunInput,
  log?: Logger,
): Promise<CatalogSyncResult> {
  for (const warning of input.warnings) log?.warn({ courseKey: input.courseKey }, `catalog: ${warning}`);
  // Keys are validated upstream and URLs are built from them; only the names and texts edX sends can hold NUL.
  const title = postgresStoreText(input.title);
  try {
    return await sql.transaction(async (tx) => {
      const courseStatement = input.course
        ? tx.query<{ id: string; created: boolean; written: boolean }>(UPSERT_COURSE_FROM_DETAIL, [
            input.courseReadableId,
            title,
            postgresStoreTextOrNull(input.course.description),
            postgresStoreTextOrNull(input.course.thumbnail),
          ])
        : tx.query<{ id: string; created: boolean; written: boolean }>(INSERT_COURSE_IF_MISSING, [
            input.courseReadableId,
            title,
          ]);
      const course = (await courseStatement).rows[0];
      const courseId =
        course?.id ?? (await tx.query<{ id: string }>(COURSE_ID, [input.courseReadableId])).rows[0]?.id;
      if (courseId === undefined) {
        throw new RetryableError(`course ${input.courseReadableId} vanished while its run was being synced`);
      }
      const run = await tx.query<{ created: boolean }>(UPSERT_RUN, [
        courseId,
        input.courseKey,
        input.coursewareUrl ?? null,
        title,
        iso(input.start),
        iso(input.end),
        iso(input.enrollmentStart),
        iso(input.enrollmentEnd),
        input.selfPaced,
        input.hidden ?? null,
      ]);
      const written = run.rows[0];
      return {
        courseKey: input.courseKey,
        course: !course?.written ? 'unchanged' : course.created ? 'created' : 'updated',
        run: !written ? 'unchanged' : written.created ? 'created' : 'updated',
        warnings: input.warnings,
      } satisfies CatalogSyncResult;
    });
  } catch (err) {
    throw forCourse(err, input.courseKey, 'sync');
  }
}

export type RemovalOutcome = 'marked' | 'already_removed' | 'unknown';

/**
 * Records that a run is gone from edX (deleted in Studio, or the LMS answers 404). Rows are never
 * deleted: enrollments, orders and reports elsewhere still point at them, and the course can come back.
 */
export async function markRunRemoved(
  sql: SqlClient,
  courseKey: string,
  reason: RemovalReason,
  log?: Logger,
): Promise<RemovalOutcome> {
  try {
    const marked = await sql.query(MARK_RUN_REMOVED, [courseKey, reason]);
    let outcome: RemovalOutcome = 'marked';
    if (marked.rowCount === 0) {
      const existing = await sql.query(RUN_REMOVAL, [courseKey]);
      outcome = existing.rows.length > 0 ? 'already_removed' : 'unknown';
    }
    log?.info({ courseKey, reason, outcome }, 'catalog: course run removed from edX; row kept');
    return outcome;
  } catch (err) {
    throw forCourse(err, courseKey, 'marking the run removed');
  }
}
