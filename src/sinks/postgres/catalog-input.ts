import { courseNameFromApi } from '../../domain/course-name.js';
import type { CatalogInfo } from '../../domain/catalog.js';
import { instantToDate, parseInstant } from '../../domain/datetime.js';
import { CourseKey } from '../../domain/keys.js';
import type { CourseDetail } from '../../openedx/api-types.js';
import { PermanentError } from '../../errors.js';

/** What one sync writes for a course run, whichever source it came from. */
export interface CatalogRunInput {
  /** The run's course key, stored as course_runs.courseware_id. */
  courseKey: string;
  /** courses.readable_id: course-v1:{org}+{course}. */
  courseReadableId: string;
  title: string;
  start: Date | null;
  end: Date | null;
  enrollmentStart: Date | null;
  enrollmentEnd: Date | null;
  selfPaced: boolean;
  /** undefined when the source did not say; the stored value is kept. */
  hidden: boolean | undefined;
  /** undefined when LMS_BASE_URL is not configured; the stored value is kept. */
  coursewareUrl: string | undefined;
  /** Course-level values only the Courses API carries; undefined from CatalogInfo (stored values kept). */
  course: { description: string | null; thumbnail: string | null } | undefined;
  /** Inconsistencies found and repaired on the way in, for the sync to log. */
  warnings: string[];
}

/**
 * course-v1:{org}+{course} for a run key, as mitxonline names its courses; legacy org/course/run keys
 * map to the same form so both generations of a course land on one row.
 */
export function courseReadableId(courseKey: string): string {
  let key: CourseKey | undefined;
  try {
    key = CourseKey.parse(courseKey);
  } catch {
    // Reported below, with what the catalog needs.
  }
  if (!key || key.run === null) {
    throw new PermanentError(
      `course key "${courseKey}" is not a course run key (course-v1:org+course+run); it cannot be added to the catalog`,
    );
  }
  return `course-v1:${key.org}+${key.course}`;
}

function parseDate(value: string | null | undefined, field: string, warnings: string[]): Date | null {
  if (value === null || value === undefined || value === '') return null;
  try {
    return instantToDate(parseInstant(value));
  } catch {
    warnings.push(`${field} "${value}" is not a date; stored as empty`);
    return null;
  }
}

/**
 * edX does not stop an end before its start (e.g. an imported course, or enrollment closing before it
 * opens). The schema forbids it, and losing the whole sync over it would be worse, so the later bound is
 * dropped (stored empty, i.e. open-ended) and a warning names both values. Start dates are kept because
 * they drive what learners see first.
 */
export function repairSchedule<
  T extends Pick<CatalogRunInput, 'start' | 'end' | 'enrollmentStart' | 'enrollmentEnd' | 'warnings'>,
>(run: T): T {
  if (run.start && run.end && run.end < run.start) {
    run.warnings.push(
      `end ${run.end.toISOString()} is before start ${run.start.toISOString()}; end stored as empty`,
    );
    run.end = null;
  }
  if (run.enrollmentStart && run.enrollmentEnd && run.enrollmentEnd < run.enrollmentStart) {
    run.warnings.push(
      `enrollment_end ${run.enrollmentEnd.toISOString()} is before enrollment_start ${run.enrollmentStart.toISOString()}; enrollment_end stored as empty`,
    );
    run.enrollmentEnd = null;
  }
  return run;
}

/** {LMS_BASE_URL}/courses/{key}/, the learner-facing home of a run. */
export function coursewareUrl(lmsBaseUrl: string | undefined, courseKey: string): string | undefined {
  return lmsBaseUrl ? `${lmsBaseUrl.replace(/\/+$/, '')}/courses/${courseKey}/` : undefined;
}

function blankToNull(s: string | null | undefined): string | null {
  return s === null || s === undefined || s.trim() === '' ? null : s.trim();
}

/** From the Courses API detail, the complete source. */
export function runFromCourseDetail(
  detail: CourseDetail,
  options: { lmsBaseUrl?: string } = {},
): CatalogRunInput {
  const warnings: string[] = [];
  return repairSchedule({
    courseKey: detail.id,
    courseReadableId: courseReadableId(detail.id),
    title: courseNameFromApi(detail.name).trim() || detail.id,
    start: parseDate(detail.start, 'start', warnings),
    end: parseDate(detail.end, 'end', warnings),
    enrollmentStart: parseDate(detail.enrollment_start, 'enrollment_start', warnings),
    enrollmentEnd: parseDate(detail.enrollment_end, 'enrollment_end', warnings),
    selfPaced: detail.pacing === 'self',
    hidden: detail.hidden,
    coursewareUrl: coursewareUrl(options.lmsBaseUrl, detail.id),
    course: {
      description: blankToNull(detail.short_description),
      thumbnail: blankToNull(detail.media?.image?.raw ?? detail.media?.course_image?.uri),
    },
    warnings,
  });
}

/** From catalog_info.changed when the LMS could not be read: the run's schedule, nothing course-level. */
export function runFromCatalogInfo(
  info: CatalogInfo,
  options: { lmsBaseUrl?: string } = {},
): CatalogRunInput {
  const warnings: string[] = [];
  return repairSchedule({
    courseKey: info.courseKey,
    courseReadableId: courseReadableId(info.courseKey),
    // CourseCatalogData carries the raw display_name, not the escaped one.
    title: info.name.trim() || info.courseKey,
    start: parseDate(info.schedule.start, 'start', warnings),
    end: parseDate(info.schedule.end, 'end', warnings),
    enrollmentStart: parseDate(info.schedule.enrollmentStart, 'enrollment_start', warnings),
    enrollmentEnd: parseDate(info.schedule.enrollmentEnd, 'enrollment_end', warnings),
    selfPaced: info.schedule.pacing === 'self',
    hidden: info.hidden,
    coursewareUrl: coursewareUrl(options.lmsBaseUrl, info.courseKey),
    course: undefined,
    warnings,
  });
}
