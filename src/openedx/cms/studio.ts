import { z } from 'zod';
import type { StudioCourseData } from '../api-types.js';

/**
 * What course-sink reads from Studio's REST API: the course settings the LMS does not expose. Each endpoint
 * is a DRF view taking the LMS-issued JWT (`@view_auth_classes`, openedx/core/lib/api/view_utils.py), and each
 * returns the published state: the course block and static tabs are auto-published (DIRECT_ONLY_CATEGORIES),
 * so Studio holds no draft of them. Endpoints that return drafts (`course_index`, `xblock`) or create blocks
 * on GET (`xblock` for course_info) are never called.
 */

/** The advanced settings course-sink writes into `course_data_json`. */
export const ADVANCED_SETTINGS_FIELDS = [
  'advertised_start',
  'announcement',
  'invitation_only',
  'max_student_enrollments_allowed',
  'enable_proctored_exams',
  'entrance_exam_enabled',
  'language',
] as const;

/** `GET /api/contentstore/v0/advanced_settings/{course}` (CourseMetadata.fetch_all): `{field: {value, …}}`. */
const AdvancedSettingsSchema = z.record(z.string(), z.object({ value: z.unknown() }).loose());

/** `GET /api/contentstore/v1/course_grading/{course}` (CourseGradingSerializer). */
const CourseGradingSchema = z
  .object({
    course_details: z.object({ grade_cutoffs: z.record(z.string(), z.number()) }).loose(),
  })
  .loose();

/**
 * `GET /api/contentstore/v0/tabs/{course}` (CourseTabListView): with the new custom pages (the default since
 * `legacy_studio.custom_pages` exists) only static tabs, each with its usage key as `id`.
 */
const TabsSchema = z.array(
  z.object({ id: z.string().optional(), name: z.string(), type: z.string() }).loose(),
);

export const STUDIO_PATHS = {
  advancedSettings: (courseKey: string) =>
    `/api/contentstore/v0/advanced_settings/${encodeURIComponent(courseKey)}`,
  grading: (courseKey: string) => `/api/contentstore/v1/course_grading/${encodeURIComponent(courseKey)}`,
  tabs: (courseKey: string) => `/api/contentstore/v0/tabs/${encodeURIComponent(courseKey)}`,
};

/** Gets and validates one JSON answer; `optional` answers null for a 403 instead of failing. */
export type StudioGet = <S extends z.ZodType>(
  path: string,
  schema: S,
  opts?: { forbiddenIsEmpty?: boolean },
) => Promise<z.infer<S> | null>;

export async function readStudioData(get: StudioGet, courseKey: string): Promise<StudioCourseData> {
  const settingsUrl = `${STUDIO_PATHS.advancedSettings(courseKey)}?filter_fields=${ADVANCED_SETTINGS_FIELDS.join(',')}`;
  const [settings, grading, tabs] = await Promise.all([
    get(settingsUrl, AdvancedSettingsSchema),
    get(STUDIO_PATHS.grading(courseKey), CourseGradingSchema),
    // 403 with no body: the course is on Studio's legacy custom pages, where this view lists nothing.
    get(STUDIO_PATHS.tabs(courseKey), TabsSchema, { forbiddenIsEmpty: true }),
  ]);
  const advancedSettings: Record<string, unknown> = {};
  for (const [field, entry] of Object.entries(settings ?? {})) advancedSettings[field] = entry.value;
  const cutoffs = Object.values(grading?.course_details.grade_cutoffs ?? {});
  return {
    advancedSettings,
    // CourseOverview.lowest_passing_grade is `min(grade_cutoffs.values())` kept in a DecimalField(5, 2)
    // (course_overviews/models.py), which is what Aspects' sink reads back.
    lowestPassingGrade: cutoffs.length > 0 ? Number(Math.min(...cutoffs).toFixed(2)) : null,
    staticTabs: (tabs ?? [])
      .filter((t) => t.type === 'static_tab' && t.id)
      .map((t) => ({ id: t.id!, name: t.name })),
  };
}
