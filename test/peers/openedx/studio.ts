/**
 * The Studio (CMS) REST views course-sink reads, answered from the modulestore's published course block as
 * cms/djangoapps/contentstore/rest_api does. Each is a DRF view behind `@view_auth_classes` (JWT accepted,
 * openedx/core/lib/api/view_utils.py) and `verify_course_exists` (404 `developer_message` for an unknown
 * course); a global-staff user has Studio read access to every course (common/djangoapps/student/auth.py).
 * - `GET /api/contentstore/v0/advanced_settings/{course}` (v0/views/advanced_settings.py): with `fetch_all`
 *   (the default) `CourseMetadata.fetch_all`, every settings field as `{value, display_name, help, deprecated,
 *   hide_on_enabled_publisher}`; `filter_fields=a,b` keeps those fields only.
 * - `GET /api/contentstore/v1/course_grading/{course}` (v1/views/grading.py): `CourseGradingSerializer` with
 *   `course_details.grade_cutoffs` from the course's grading policy.
 * - `GET /api/contentstore/v0/tabs/{course}` (v0/views/tabs.py): with the new custom pages (unless the
 *   `legacy_studio.custom_pages` flag is on, then 403 with no body) only the static tabs, each with `id` set to
 *   its usage key (`static_tab` + `settings.url_slug`).
 */
import type { ModulestoreCourse } from './modulestore.js';
import { developerError, json, type Reply } from './http.js';
import { courseBlock, usageKeyOf } from './platform.js';

/** Settings fields of CourseFields whose class defaults the advanced settings page shows when unset. */
const SETTINGS_DEFAULTS: Record<string, unknown> = {
  advertised_start: null,
  announcement: null,
  invitation_only: false,
  max_student_enrollments_allowed: null,
  enable_proctored_exams: false,
  entrance_exam_enabled: false,
  language: null,
  display_name: 'Empty',
  display_organization: null,
  display_coursenumber: null,
  catalog_visibility: 'both',
  mobile_available: false,
  self_paced: false,
};
/** Fields of the course block that are not settings (content, structure, import plumbing). */
const NOT_SETTINGS = new Set([
  'grading_policy',
  'tabs',
  'data',
  'start',
  'end',
  'enrollment_start',
  'enrollment_end',
]);

const DEFAULT_GRADE_CUTOFFS = { Pass: 0.5 };

export interface StudioFlags {
  /** `legacy_studio.custom_pages`: the tabs view answers 403. */
  legacyCustomPages: boolean;
}

export function advancedSettings(course: ModulestoreCourse, params: URLSearchParams): Reply {
  const fields = courseBlock(course).fields;
  const values: Record<string, unknown> = { ...SETTINGS_DEFAULTS };
  for (const [name, value] of Object.entries(fields)) if (!NOT_SETTINGS.has(name)) values[name] = value;
  const filter = params.get('filter_fields')?.trim();
  const wanted = filter ? new Set(filter.split(',')) : undefined;
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (wanted && !wanted.has(name)) continue;
    body[name] = {
      value: value ?? null,
      display_name: name.replace(/_/g, ' '),
      help: '',
      deprecated: false,
      hide_on_enabled_publisher: false,
    };
  }
  return json(200, body);
}

export function courseGrading(course: ModulestoreCourse): Reply {
  const policy = courseBlock(course).fields.grading_policy as
    { GRADER?: unknown[]; GRADE_CUTOFFS?: Record<string, number> } | undefined;
  const cutoffs = policy?.GRADE_CUTOFFS ?? DEFAULT_GRADE_CUTOFFS;
  return json(200, {
    mfe_proctored_exam_settings_url: '',
    course_assignment_lists: {},
    course_details: {
      graders: policy?.GRADER ?? [],
      grade_cutoffs: cutoffs,
      grace_period: null,
      minimum_grade_credit: 0.8,
    },
    show_credit_eligibility: false,
    is_credit_course: false,
    default_grade_designations: ['A', 'B', 'C', 'D'],
  });
}

export function courseTabs(course: ModulestoreCourse, flags: StudioFlags): Reply {
  if (flags.legacyCustomPages) return { status: 403, body: '' };
  const tabs = courseBlock(course).fields.tabs;
  const out: Array<Record<string, unknown>> = [];
  for (const tab of Array.isArray(tabs) ? (tabs as Array<Record<string, unknown>>) : []) {
    if (tab.type !== 'static_tab' || typeof tab.url_slug !== 'string') continue;
    out.push({
      course_staff_only: Boolean(tab.course_staff_only),
      is_hidden: Boolean(tab.is_hidden),
      is_hideable: true,
      is_movable: true,
      name: tab.name,
      settings: { url_slug: tab.url_slug },
      tab_id: `static_tab_${tab.url_slug}`,
      title: tab.name,
      type: 'static_tab',
      id: usageKeyOf(course.courseKey, { type: 'static_tab', id: tab.url_slug }),
    });
  }
  return json(200, out);
}

export function studioCourseNotFound(courseKey: string): Reply {
  return developerError(404, `Course with id ${courseKey} does not exist.`);
}
