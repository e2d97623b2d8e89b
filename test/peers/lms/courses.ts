import type { CourseSnapshot } from '../../../src/openedx/api-types.js';
import { developerError, fieldError, isCourseKey, json, keyOrg, multiValue, type Reply } from './http.js';

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

/** An empty `username` makes the LMS answer as AnonymousUser, who cannot see hidden runs. */
const visibleTo = (course: CourseSnapshot, username: string | null) =>
  Boolean(username) || !course.detail.hidden;

/** `GET /api/courses/v1/courses/{key}/` (CourseDetailView). */
export function courseDetail(
  key: string,
  params: URLSearchParams,
  courses: ReadonlyMap<string, CourseSnapshot>,
): Reply {
  const course = courses.get(key);
  if (!course || !visibleTo(course, params.get('username'))) return developerError(404, 'Course not found.');
  return json(200, course.detail);
}

/**
 * `GET /api/courses/v1/courses/` (CourseListView): filters, then a page of CourseSerializer items in
 * NamespacedPageNumberPagination's envelope, with absolute `next`/`previous` links.
 */
export function courseList(
  params: URLSearchParams,
  self: URL,
  courses: ReadonlyMap<string, CourseSnapshot>,
): Reply {
  const keys = multiValue(params, 'course_keys');
  if (keys && 'error' in keys) return fieldError('course_keys', keys.error);
  const invalid = keys?.find((k) => !isCourseKey(k));
  if (invalid) return fieldError('course_keys', `'${invalid}' is not a valid course key.`);
  const org = params.get('org')?.toLowerCase();
  const username = params.get('username');

  const matching = [...courses.values()]
    .filter((c) => visibleTo(c, username))
    .filter((c) => !org || keyOrg(c.courseKey).toLowerCase() === org)
    .filter((c) => !keys || keys.includes(c.courseKey))
    .sort((a, b) => a.courseKey.localeCompare(b.courseKey));

  const requestedSize = Number(params.get('page_size'));
  const pageSize =
    Number.isInteger(requestedSize) && requestedSize > 0
      ? Math.min(requestedSize, MAX_PAGE_SIZE)
      : DEFAULT_PAGE_SIZE;
  const numPages = Math.max(1, Math.ceil(matching.length / pageSize));
  const pageParam = params.get('page') ?? '1';
  const page = /^\d+$/.test(pageParam) ? Number(pageParam) : pageParam === 'last' ? numPages : NaN;
  if (!(page >= 1 && page <= numPages)) return developerError(404, 'Invalid page.');

  const link = (target: number): string | null => {
    if (target < 1 || target > numPages) return null;
    const url = new URL(self);
    if (target === 1) url.searchParams.delete('page');
    else url.searchParams.set('page', String(target));
    return url.href;
  };
  const results = matching.slice((page - 1) * pageSize, page * pageSize).map(({ detail }) => {
    const { overview: _overview, ...listed } = detail;
    return listed;
  });
  return json(200, {
    results,
    pagination: {
      next: link(page + 1),
      previous: link(page - 1),
      count: matching.length,
      num_pages: numPages,
    },
  });
}
