/**
 * The LMS Courses API answered from the CourseOverview of each course, built from the modulestore as
 * openedx/core/djangoapps/content/course_overviews/models.py does:
 * - `CourseDetailView` (`/api/courses/v1/courses/{key}/`) with `CourseDetailSerializer`
 *   (lms/djangoapps/course_api/serializers.py): `name` is `display_name_with_default_escaped`
 *   (xmodule/block_metadata_utils.py: only `<` and `>` escaped), `org` is `display_org_with_default` (the
 *   display organization when set), URLs are absolute (`AbsoluteURLField`), nulls are sent as null;
 * - `CourseIdListView` (`/api/courses/v1/course_ids/?role=staff&username=…`, course_api/api.py
 *   `list_course_keys`): every course key a global-staff user may see, sorted, paginated up to 1,000 per page,
 *   throttled at 40 requests a minute for staff (`CourseIdListUserThrottle`).
 * CourseListView is not served: it hides the orgs a site configuration claims, and course-sink does not use it.
 */
import type { ModulestoreCourse } from './modulestore.js';
import { developerError, fieldError, json, type Reply } from './http.js';
import { courseBlock, drfJsonDatetime, keyParts, truthy } from './platform.js';
import { DISPLAY_NAME_DEFAULT } from './xblock-classes.js';

const DEFAULT_START = '2030-01-01T00:00:00+00:00';
/** Django's DATE_FORMAT 'N j, Y', whose `N` is the Associated Press month abbreviation. */
const AP_MONTHS = [
  'Jan.',
  'Feb.',
  'March',
  'April',
  'May',
  'June',
  'July',
  'Aug.',
  'Sept.',
  'Oct.',
  'Nov.',
  'Dec.',
];

function aboutData(course: ModulestoreCourse, slug: string): string | null {
  const about = course.blocks.find((b) => b.type === 'about' && b.id === slug);
  return typeof about?.fields.data === 'string' ? about.fields.data : null;
}

const nullableDatetime = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? drfJsonDatetime(v) : null;

/** `CourseDetailSerializer` of the course's CourseOverview. */
export function courseDetailBody(course: ModulestoreCourse, origin: string): Record<string, unknown> {
  const f = courseBlock(course).fields;
  const key = keyParts(course.courseKey);
  const displayName =
    'display_name' in f && f.display_name !== null && f.display_name !== undefined
      ? String(f.display_name)
      : (DISPLAY_NAME_DEFAULT.course ?? 'course');
  const start = typeof f.start === 'string' ? f.start : DEFAULT_START;
  const advertised =
    typeof f.advertised_start === 'string' && f.advertised_start !== '' ? f.advertised_start : null;
  // CourseOverview.start_type / start_display.
  const startType = advertised ? 'string' : start !== DEFAULT_START ? 'timestamp' : 'empty';
  const startDisplay = advertised ?? (startType === 'timestamp' ? apDate(start) : null);
  const image =
    typeof f.course_image === 'string' && f.course_image ? f.course_image : 'images_course_image.jpg';
  const imageUrl = `${origin}/asset-v1:${course.courseKey.slice('course-v1:'.length)}+type@asset+block@${image}`;
  const visibility = typeof f.catalog_visibility === 'string' ? f.catalog_visibility : 'both';
  return {
    blocks_url: `${origin}/api/courses/v2/blocks/?course_id=${encodeURIComponent(course.courseKey)}`,
    effort: aboutData(course, 'effort'),
    end: nullableDatetime(f.end),
    enrollment_start: nullableDatetime(f.enrollment_start),
    enrollment_end: nullableDatetime(f.enrollment_end),
    id: course.courseKey,
    media: {
      banner_image: { uri: imageUrl.slice(origin.length), uri_absolute: imageUrl },
      course_image: { uri: imageUrl },
      course_video: { uri: null },
      image: { raw: imageUrl, small: imageUrl, large: imageUrl },
    },
    name: displayName.replaceAll('<', '&lt;').replaceAll('>', '&gt;'),
    number:
      typeof f.display_coursenumber === 'string' && f.display_coursenumber
        ? f.display_coursenumber
        : key.course,
    org:
      typeof f.display_organization === 'string' && f.display_organization ? f.display_organization : key.org,
    short_description: aboutData(course, 'short_description'),
    start: drfJsonDatetime(start),
    start_display: startDisplay,
    start_type: startType,
    pacing: truthy(f.self_paced) ? 'self' : 'instructor',
    mobile_available: truthy(f.mobile_available),
    hidden: visibility === 'none' || visibility === 'about',
    invitation_only: truthy(f.invitation_only),
    course_id: course.courseKey,
    overview: aboutData(course, 'overview'),
    certificate_available_date: nullableDatetime(f.certificate_available_date),
  };
}

function apDate(iso: string): string {
  const d = new Date(iso);
  return `${AP_MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

/** `GET /api/courses/v1/courses/{key}/`; an anonymous request (no `username`) cannot see hidden courses. */
export function courseDetail(
  key: string,
  params: URLSearchParams,
  origin: string,
  courses: ReadonlyMap<string, ModulestoreCourse>,
): Reply {
  const course = courses.get(key);
  if (!course) return developerError(404, 'Course not found.');
  const body = courseDetailBody(course, origin);
  if (!params.get('username') && body.hidden) return developerError(404, 'Course not found.');
  return json(200, body);
}

const COURSE_IDS_MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 10;

/** `GET /api/courses/v1/course_ids/` for a global-staff user, who sees every course whatever the role. */
export function courseIds(
  params: URLSearchParams,
  self: URL,
  username: string,
  isStaff: boolean,
  courses: ReadonlyMap<string, ModulestoreCourse>,
): Reply {
  const role = params.get('role');
  if (!role) return fieldError('role', 'This field is required.');
  if (!['staff', 'instructor'].includes(role.toLowerCase()))
    return fieldError('role', `Select a valid choice. ${role} is not one of the available choices.`);
  const asUser = params.get('username');
  if (!asUser) return fieldError('username', 'This field is required.');
  if (asUser !== username)
    return developerError(403, 'You do not have permission to masquerade as another user.');
  const keys = isStaff ? [...courses.keys()].sort() : [];

  const requested = Number(params.get('page_size'));
  const size =
    Number.isInteger(requested) && requested > 0
      ? Math.min(requested, COURSE_IDS_MAX_PAGE_SIZE)
      : DEFAULT_PAGE_SIZE;
  const numPages = Math.max(1, Math.ceil(keys.length / size));
  const pageParam = params.get('page') ?? '1';
  const page = /^\d+$/.test(pageParam) ? Number(pageParam) : NaN;
  if (!(page >= 1 && page <= numPages)) return developerError(404, 'Invalid page.');
  const link = (target: number): string | null => {
    if (target < 1 || target > numPages) return null;
    const url = new URL(self);
    if (target === 1) url.searchParams.delete('page');
    else url.searchParams.set('page', String(target));
    return url.href;
  };
  return json(200, {
    results: keys.slice((page - 1) * size, page * size),
    pagination: { next: link(page + 1), previous: link(page - 1), count: keys.length, num_pages: numPages },
  });
}
