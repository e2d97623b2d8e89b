import { utf8StoreText } from '../../domain/store-text.js';
import type { CourseSnapshot } from '../../openedx/api-types.js';
import type { Outline, OutlineRow, Relationship } from '../../outline/types.js';
import { courseNameFromApi } from '../../domain/course-name.js';
import { CourseKey } from '../../domain/keys.js';
import {
  assertDumpTime,
  drfIso,
  drfIsoFixed,
  parseInstant,
  pythonIsoformat,
  pythonStr,
  type Instant,
} from './datetime.js';
import { PyFloat, pythonJsonDumps, type PyJson } from './python-json.js';
import type { DumpColumns } from './tables/descriptor.js';

/**
 * `course_overviews`, in Aspects' column order (platform-plugin-aspects `CourseOverviewSerializer`). Where
 * each column comes from, and where it cannot equal what Aspects' sink reads from the CourseOverview model:
 *
 * | column            | from                                                        | spelling                          |
 * |-------------------|-------------------------------------------------------------|-----------------------------------|
 * | org               | the course key's org (CourseOverview.org), not the API's display org | as in the key            |
 * | course_key        | the course key                                              | `course-v1:Org+Course+Run`        |
 * | display_name      | Courses API `name` with only `<`/`>` unescaped               | text as the modulestore holds it  |
 * | course_start/_end | Courses API `start`, `end`                                  | Python `str(datetime)`; null → '' |
 * | enrollment_*      | Courses API `enrollment_start`, `enrollment_end`            | DRF ISO (`…T…Z`); null → ''       |
 * | self_paced        | Courses API `pacing == 'self'`                              | Bool                              |
 * | course_data_json  | see courseDataJson                                          | Python json.dumps                 |
 * | created           | the oldest `edited_on` of the course's blocks when the LMS exposes it, else the dump time | DRF ISO, 6 digits |
 * | modified          | the dump time                                               | DRF ISO, 6 digits                 |
 * | dump_id, time_last_dumped | the dump                                            | UUID; `YYYY-MM-DD HH:MM:SS.ffffff+00:00` |
 *
 * CourseOverview's own `created`/`modified` are exposed by no API. aspects-dbt's `dim_course_names` takes
 * each course's overview row with the greatest `modified`, so every overview row written must have a greater
 * one than the last: the dump time does (a course whose rows did not change gets no new row at all). Its
 * fraction is always written because `max(modified)` compares strings and `…:00Z` sorts after `…:00.5Z`.
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
 * `course_blocks`, in Aspects' column order. `edited_on` is Aspects' `str(block.edit_info.edited_on)` when the
 * LMS exposes `edited_on` (COURSE_BLOCKS_API_EXTRA_FIELDS), else '' — what the plugin writes for a block
 * without it; no current model reads it.
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

export function courseOverviewRow(snapshot: CourseSnapshot, stamp: DumpColumns): CourseOverviewRow {
  const d = snapshot.detail;
  const dumped = parseInstant(assertDumpTime(stamp.time_last_dumped));
  const firstEdit = earliestEdit(snapshot);
  return {
    org: CourseKey.parse(snapshot.courseKey).org,
    course_key: snapshot.courseKey,
    display_name: utf8StoreText(courseNameFromApi(d.name)),
    course_start: optionalTime(d.start, pythonStr),
    course_end: optionalTime(d.end, pythonStr),
    enrollment_start: optionalTime(d.enrollment_start, drfIso),
    enrollment_end: optionalTime(d.enrollment_end, drfIso),
    self_paced: d.pacing === 'self',
    course_data_json: courseDataJson(snapshot),
    created: drfIsoFixed(firstEdit ?? dumped),
    modified: drfIsoFixed(dumped),
    dump_id: stamp.dump_id,
    time_last_dumped: stamp.time_last_dumped,
  };
}

/** The oldest `edited_on` among the course's blocks, when the LMS sends it: the closest to its creation. */
function earliestEdit(snapshot: CourseSnapshot): Instant | undefined {
  let earliest: Instant | undefined;
  for (const block of Object.values(snapshot.blocks.blocks)) {
    if (!block.edited_on) continue;
    const at = parseInstant(block.edited_on);
    if (
      !earliest ||
      at.seconds < earliest.seconds ||
      (at.seconds === earliest.seconds && at.micros < earliest.micros)
    )
      earliest = at;
  }
  return earliest;
}

export function courseBlockRows(
  outline: Outline,
  stamp: DumpColumns,
  tags: Readonly<Record<string, readonly number[]>> = {},
): CourseBlockRow[] {
  return outline.rows.map(courseBlockRowWriter(outline, stamp, tags));
}

/** Builds the course_blocks row of each outline row, one at a time (the writer streams them). */
export function courseBlockRowWriter(
  outline: Outline,
  stamp: DumpColumns,
  tags: Readonly<Record<string, readonly number[]>> = {},
): (row: OutlineRow) => CourseBlockRow {
  assertDumpTime(stamp.time_last_dumped);
  const key = CourseKey.parse(outline.courseKey);
  const xblockData = xblockDataWriter(key, tags);
  return (row) => ({
    org: key.org,
    course_key: outline.courseKey,
    location: row.location,
    display_name: utf8StoreText(row.displayName),
    xblock_data_json: xblockData(row),
    order: row.order,
    edited_on: row.editedOn === undefined ? '' : pythonStr(parseInstant(row.editedOn)),
    dump_id: stamp.dump_id,
    time_last_dumped: stamp.time_last_dumped,
  });
}

/** `xblock_data_json` as Aspects writes it: `json.dumps` of these keys, in this order. */
export function xblockDataJson(key: CourseKey, row: OutlineRow, tags: readonly number[] = []): string {
  return pythonJsonDumps({
    course: key.course,
    run: key.run ?? '',
    block_type: row.blockType,
    detached: row.detached ? 1 : 0,
    graded: row.graded ? 1 : 0,
    completion_mode: row.completionMode,
    section: row.section,
    subsection: row.subsection,
    unit: row.unit,
    tags: [...tags],
  });
}

/**
 * The same text as {@link xblockDataJson}, built from a per-course prefix and the few distinct block types
 * and completion modes, because this runs once per block of every course (100k-block courses exist).
 */
function xblockDataWriter(
  key: CourseKey,
  tags: Readonly<Record<string, readonly number[]>>,
): (row: OutlineRow) => string {
  const prefix = `{"course": ${pythonJsonDumps(key.course)}, "run": ${pythonJsonDumps(key.run ?? '')}, "block_type": `;
  const strings = new Map<string, string>();
  const str = (value: string) => {
    let text = strings.get(value);
    if (text === undefined) strings.set(value, (text = pythonJsonDumps(value)));
    return text;
  };
  return (row) =>
    `${prefix}${str(row.blockType)}, "detached": ${row.detached ? 1 : 0}, "graded": ${row.graded ? 1 : 0}, ` +
    `"completion_mode": ${str(row.completionMode)}, "section": ${row.section}, "subsection": ${row.subsection}, ` +
    `"unit": ${row.unit}, "tags": ${tagList(tags[row.location])}}`;
}

/** A list of tag ids as json.dumps writes it. */
function tagList(ids: readonly number[] | undefined): string {
  return ids && ids.length > 0 ? `[${ids.join(', ')}]` : '[]';
}

export function courseRelationshipRows(outline: Outline, stamp: DumpColumns): CourseRelationshipRow[] {
  return outline.relationships.map(courseRelationshipRowWriter(outline, stamp));
}

export function courseRelationshipRowWriter(
  outline: Outline,
  stamp: DumpColumns,
): (relationship: Relationship) => CourseRelationshipRow {
  assertDumpTime(stamp.time_last_dumped);
  return (r) => ({
    course_key: outline.courseKey,
    parent_location: r.parentLocation,
    child_location: r.childLocation,
    order: r.order,
    dump_id: stamp.dump_id,
    time_last_dumped: stamp.time_last_dumped,
  });
}

/**
 * Aspects' `course_data_json`: all eleven keys of `CourseOverviewSerializer.get_course_data_json`, in its
 * order. The CourseOverview fields it reads are copies of the course's settings, which Studio's REST API
 * gives (`snapshot.studio`); the Courses API gives some of them too. Where neither says anything the key
 * holds what the CourseOverview holds for a course that never set it.
 *
 * | key                             | source                                                   |
 * |---------------------------------|----------------------------------------------------------|
 * | advertised_start                | Studio `advertised_start`; else the API's `start_display` when `start_type` is `string` |
 * | announcement                    | Studio `announcement` as `isoformat()` in UTC            |
 * | lowest_passing_grade            | Studio's lowest grade cutoff, a float; null without Studio |
 * | invitation_only                 | Courses API `invitation_only` (Studio's when present)    |
 * | max_student_enrollments_allowed | Studio                                                   |
 * | effort                          | Courses API `effort`                                     |
 * | enable_proctored_exams          | Studio                                                   |
 * | entrance_exam_enabled           | Studio                                                   |
 * | external_id                     | null: no API exposes CourseOverview.external_id          |
 * | language                        | Studio `language`; else the API's `language` when sent   |
 * | tags                            | ids of the course's tags and their ancestors (Studio's tagging API) |
 */
export function courseDataJson(snapshot: CourseSnapshot): string {
  const d = snapshot.detail;
  const loose = d as Record<string, unknown>;
  const settings = snapshot.studio?.advancedSettings ?? {};
  const setting = (name: string): unknown => settings[name];
  const advertised =
    stringOrNull(setting('advertised_start')) ??
    (d.start_type === 'string' ? (d.start_display ?? null) : null);
  const announcement = stringOrNull(setting('announcement'));
  const grade = snapshot.studio?.lowestPassingGrade;
  const data: Record<string, PyJson> = {
    advertised_start: storable(advertised),
    announcement: announcement === null ? null : pythonIsoformat(parseInstant(announcement)),
    lowest_passing_grade: grade === null || grade === undefined ? null : new PyFloat(grade),
    invitation_only: booleanOr(setting('invitation_only'), d.invitation_only ?? false),
    max_student_enrollments_allowed: integerOrNull(setting('max_student_enrollments_allowed')),
    effort: storable(d.effort ?? null),
    enable_proctored_exams: booleanOr(setting('enable_proctored_exams'), false),
    entrance_exam_enabled: booleanOr(setting('entrance_exam_enabled'), false),
    external_id: null,
    language: storable(stringOrNull(setting('language')) ?? stringOrNull(loose.language)),
    tags: [...(snapshot.tags?.idsByObject[snapshot.courseKey] ?? [])],
  };
  return pythonJsonDumps(data);
}

/** Text as ClickHouse can hold it (src/domain/store-text.ts); the outline and hash keep the original. */
function storable(text: string | null): string | null {
  return text === null ? null : utf8StoreText(text);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function integerOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

function optionalTime(
  value: string | null | undefined,
  spell: (i: ReturnType<typeof parseInstant>) => string,
): string {
  return value === null || value === undefined || value === '' ? '' : spell(parseInstant(value));
}
