/**
 * The `course_overviews` table: one row a dump, the course as Aspects' CourseOverviewSerializer writes it,
 * from the Courses API and Studio.
 */

import { courseNameFromApi } from '../../../domain/course-name.js';
import { CourseKey } from '../../../domain/keys.js';
import { utf8StoreText } from '../../../domain/store-text.js';
import type { CourseSnapshot } from '../../../openedx/api-types.js';
import {
  assertDumpTime,
  drfIso,
  drfIsoFixed,
  parseInstant,
  pythonIsoformat,
  pythonStr,
  type Instant,
} from '../datetime.js';
import { PyFloat, pythonJsonDumps, type PyJson } from '../python-json.js';
import { DUMP_COLUMN_NAMES, type CourseTableDescriptor, type DumpColumns } from './descriptor.js';

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
export interface CourseOverviewRow extends DumpColumns {
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
}

/** One row a dump: the course as the CourseOverview model holds it. Written last, as it makes the dump visible. */
export const courseOverviews: CourseTableDescriptor<CourseOverviewRow> = {
  table: 'course_overviews',
  columns: [
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
    ...DUMP_COLUMN_NAMES,
  ],
  keyedByOrg: true,
  rows: ({ snapshot }, stamp) => [courseOverviewRow(snapshot, stamp)],
};

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
