import { utf8StoreText } from '../../domain/store-text.js';
import { PermanentError } from '../../errors.js';
import type { CourseDetail, CourseSnapshot } from '../../openedx/api-types.js';
import type { Outline, OutlineRow } from '../../outline/types.js';
import { assertDumpTime, drfIso, drfIsoFixed, parseInstant, pythonStr } from './datetime.js';
import { pythonJsonDumps, type PyJson } from './python-json.js';

export { formatDumpTime } from './datetime.js';

/** One dump of one course: the overview row and every block row share these (the dbt models rely on it). */
export interface DumpStamp {
  dumpId: string;
  /** `YYYY-MM-DD HH:MM:SS.ffffff+00:00` */
  timeLastDumped: string;
}

/**
 * `course_overviews`, in Aspects' column order. Where each column comes from:
 *
 * | column            | from                                   | spelling                                          |
 * |-------------------|----------------------------------------|---------------------------------------------------|
 * | org               | Courses API `org`                      | as given                                          |
 * | course_key        | the course key of the snapshot         | `course-v1:Org+Course+Run`                        |
 * | display_name      | Courses API `name`, HTML-unescaped     | text                                              |
 * | course_start      | Courses API `start`                    | Python `str(datetime)`; null → ''                 |
 * | course_end        | Courses API `end`                      | Python `str(datetime)`; null → ''                 |
 * | enrollment_start  | Courses API `enrollment_start`         | DRF ISO (`…T…Z`); null → ''                       |
 * | enrollment_end    | Courses API `enrollment_end`           | DRF ISO; null → ''                                |
 * | self_paced        | Courses API `pacing == 'self'`         | Bool                                              |
 * | course_data_json  | see courseDataJson                     | Python json.dumps                                 |
 * | created           | the dump time (the APIs expose no creation time; nothing downstream reads it) | DRF ISO, 6 digits |
 * | modified          | the dump time                          | DRF ISO, always 6 digits                          |
 * | dump_id           | the dump                               | UUID                                              |
 * | time_last_dumped  | the dump                               | `YYYY-MM-DD HH:MM:SS.ffffff+00:00`                |
 *
 * `modified` is CourseOverview.modified in Aspects, which the LMS bumps on every publish; the APIs do
 * not expose it, and the dump time is the closest thing that also grows with each publish. Its
 * fraction is always written because `max(modified)` compares strings and `…:00Z` sorts after
 * `…:00.5Z`.
 */
export interface CourseOverviewRow {
  org: string;
  course_key: string;
  display_name: string;
  course_start: string;
  course_end: string;
  enrollment_start: string;
  enrollment_end: string;
  self_paced: boolean;
  course_data_json: string;
  created: string;
  modified: string;
  dump_id: string;
  time_last_dumped: string;
}

/**
 * `course_blocks`, in Aspects' column order. `edited_on` is '' — what the plugin writes when a block
 * has no edited_on: the Blocks API and OLX give no per-block edit time, and no current model reads it.
 */
export interface CourseBlockRow {
  org: string;
  course_key: string;
  location: string;
  display_name: string;
  xblock_data_json: string;
  order: number;
  edited_on: string;
  dump_id: string;
  time_last_dumped: string;
}

/** The legacy `course_relationships` table; `order` is the 0-based index among the parent's children. */
export interface CourseRelationshipRow {
  course_key: string;
  parent_location: string;
  child_location: string;
  order: number;
  dump_id: string;
  time_last_dumped: string;
}

export const COURSE_OVERVIEW_COLUMNS = [
  'org',
  'course_key',
  'display_name',
  'course_start',
  'course_end',
  'enrollment_start',
  'enrollment_end',
  'self_paced',
  'course_data_json',
  'created',
  'modified',
  'dump_id',
  'time_last_dumped',
] as const satisfies ReadonlyArray<keyof CourseOverviewRow>;

export const COURSE_BLOCK_COLUMNS = [
  'org',
  'course_key',
  'location',
  'display_name',
  'xblock_data_json',
  'order',
  'edited_on',
  'dump_id',
  'time_last_dumped',
] as const satisfies ReadonlyArray<keyof CourseBlockRow>;

export const COURSE_RELATIONSHIP_COLUMNS = [
  'course_key',
  'parent_location',
  'child_location',
  'order',
  'dump_id',
  'time_last_dumped',
] as const satisfies ReadonlyArray<keyof CourseRelationshipRow>;

export function courseOverviewRow(snapshot: CourseSnapshot, dump: DumpStamp): CourseOverviewRow {
  const d = snapshot.detail;
  const dumped = parseInstant(assertDumpTime(dump.timeLastDumped));
  return {
    org: d.org,
    course_key: snapshot.courseKey,
    display_name: utf8StoreText(unescapeHtml(d.name)),
    course_start: optionalTime(d.start, pythonStr),
    course_end: optionalTime(d.end, pythonStr),
    enrollment_start: optionalTime(d.enrollment_start, drfIso),
    enrollment_end: optionalTime(d.enrollment_end, drfIso),
    self_paced: d.pacing === 'self',
    course_data_json: courseDataJson(d),
    created: drfIsoFixed(dumped),
    modified: drfIsoFixed(dumped),
    dump_id: dump.dumpId,
    time_last_dumped: dump.timeLastDumped,
  };
}

export function courseBlockRows(outline: Outline, dump: DumpStamp): CourseBlockRow[] {
  assertDumpTime(dump.timeLastDumped);
  const key = parseCourseKey(outline.courseKey);
  const xblockData = xblockDataWriter(key);
  return outline.rows.map((row) => ({
    org: key.org,
    course_key: outline.courseKey,
    location: row.location,
    display_name: utf8StoreText(row.displayName),
    xblock_data_json: xblockData(row),
    order: row.order,
    edited_on: '',
    dump_id: dump.dumpId,
    time_last_dumped: dump.timeLastDumped,
  }));
}

/** `xblock_data_json` as Aspects writes it: `json.dumps` of these keys, in this order. */
export function xblockDataJson(key: CourseKeyParts, row: OutlineRow): string {
  return pythonJsonDumps({
    course: key.course,
    run: key.run,
    block_type: row.blockType,
    detached: row.detached ? 1 : 0,
    graded: row.graded ? 1 : 0,
    completion_mode: row.completionMode,
    section: row.section,
    subsection: row.subsection,
    unit: row.unit,
    // Tag ids come from openedx-tagging, which the LMS APIs we read do not expose.
    tags: [],
  });
}

/**
 * The same text as {@link xblockDataJson}, built from a per-course prefix and the few distinct block types
 * and completion modes, because this runs once per block of every course (100k-block courses exist).
 */
function xblockDataWriter(key: CourseKeyParts): (row: OutlineRow) => string {
  const prefix = `{"course": ${pythonJsonDumps(key.course)}, "run": ${pythonJsonDumps(key.run)}, "block_type": `;
  const strings = new Map<string, string>();
  const str = (value: string) => {
    let text = strings.get(value);
    if (text === undefined) strings.set(value, (text = pythonJsonDumps(value)));
    return text;
  };
  return (row) =>
    `${prefix}${str(row.blockType)}, "detached": ${row.detached ? 1 : 0}, "graded": ${row.graded ? 1 : 0}, ` +
    `"completion_mode": ${str(row.completionMode)}, "section": ${row.section}, "subsection": ${row.subsection}, ` +
    `"unit": ${row.unit}, "tags": []}`;
}

export function courseRelationshipRows(outline: Outline, dump: DumpStamp): CourseRelationshipRow[] {
  assertDumpTime(dump.timeLastDumped);
  return outline.relationships.map((r) => ({
    course_key: outline.courseKey,
    parent_location: r.parentLocation,
    child_location: r.childLocation,
    order: r.order,
    dump_id: dump.dumpId,
    time_last_dumped: dump.timeLastDumped,
  }));
}

/**
 * Aspects' course_data_json keys, in its order, limited to what the Courses API tells us: a key
 * with no source in the response is left out rather than guessed. `tags` is always present (empty)
 * because dim_course_names reads it.
 */
export function courseDataJson(d: CourseDetail): string {
  const loose = d as Record<string, unknown>;
  const data: Record<string, PyJson> = {};
  if (d.start_type !== undefined)
    data.advertised_start = d.start_type === 'string' ? storable(d.start_display ?? null) : null;
  if (d.invitation_only !== undefined) data.invitation_only = d.invitation_only;
  if (d.effort !== undefined) data.effort = storable(d.effort);
  if (typeof loose.language === 'string' || loose.language === null) data.language = storable(loose.language);
  data.tags = [];
  return pythonJsonDumps(data);
}

function storable(text: string | null): string | null {
  return text === null ? null : utf8StoreText(text);
}

function optionalTime(
  value: string | null | undefined,
  spell: (i: ReturnType<typeof parseInstant>) => string,
): string {
  return value === null || value === undefined || value === '' ? '' : spell(parseInstant(value));
}

export interface CourseKeyParts {
  org: string;
  course: string;
  run: string;
}

/** `course-v1:Org+Course+Run` (and old-style `Org/Course/Run`) into the parts Aspects' rows repeat. */
export function parseCourseKey(courseKey: string): CourseKeyParts {
  const m = /^(?:course-v1:([^+]+)\+([^+]+)\+([^+]+)|([^/:]+)\/([^/]+)\/([^/]+))$/.exec(courseKey);
  const org = m?.[1] ?? m?.[4];
  const course = m?.[2] ?? m?.[5];
  const run = m?.[3] ?? m?.[6];
  if (!org || !course || !run)
    throw new PermanentError(`"${courseKey}" is not a course key (course-v1:Org+Course+Run)`);
  return { org, course, run };
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Undoes Django's `escape()` (the Courses API returns `display_name_with_default_escaped`). */
export function unescapeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}
