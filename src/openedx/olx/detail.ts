import { instantToDate, tryParseInstant } from '../../domain/datetime.js';
import type { CourseDetail } from '../api-types.js';
import type { CourseKey } from '../../domain/keys.js';
import type { ExportFiles } from './source.js';
import { settingBoolean, settingString } from './policy.js';

/** CourseOverview's start when a course sets none (edx-platform `DEFAULT_START_DATE`). */
const DEFAULT_START = '2030-01-01T00:00:00Z';

/**
 * The Courses API detail (`CourseDetailSerializer`) of an exported course, from the course's settings
 * (course XML merged with its policy) and the `about/` pages. URLs are relative to the LMS root.
 */
export async function readCourseDetail(
  files: ExportFiles,
  courseKey: CourseKey,
  settings: Record<string, unknown>,
): Promise<CourseDetail> {
  const key = courseKey.toString();
  const about = async (name: string): Promise<string | null> => {
    const text = await files.read(`about/${name}.html`);
    return text === undefined || text.trim() === '' ? null : text.trim();
  };
  const start = isoDate(settings.start);
  const advertisedStart = settingString(settings.advertised_start);
  const courseImage = settingString(settings.course_image);
  const imageUri = courseImage
    ? `/asset-v1:${key.slice('course-v1:'.length)}+type@asset+block@${courseImage}`
    : null;
  const catalogVisibility = settingString(settings.catalog_visibility) ?? 'both';

  return {
    id: key,
    course_id: key,
    blocks_url: `/api/courses/v2/blocks/?course_id=${encodeURIComponent(key)}`,
    name: settingString(settings.display_name) ?? 'Empty',
    number: courseKey.course,
    org: courseKey.org,
    short_description: await about('short_description'),
    effort: await about('effort'),
    overview: await about('overview'),
    start: start ?? DEFAULT_START,
    end: isoDate(settings.end),
    enrollment_start: isoDate(settings.enrollment_start),
    enrollment_end: isoDate(settings.enrollment_end),
    start_type: advertisedStart ? 'string' : start ? 'timestamp' : 'empty',
    pacing: settingBoolean(settings.self_paced) ? 'self' : 'instructor',
    mobile_available: settingBoolean(settings.mobile_available) ?? false,
    hidden: catalogVisibility === 'none' || catalogVisibility === 'about',
    invitation_only: settingBoolean(settings.invitation_only) ?? false,
    certificate_available_date: isoDate(settings.certificate_available_date),
    media: {
      course_image: { uri: imageUri },
      course_video: { uri: null },
      image: { raw: imageUri, small: imageUri, large: imageUri },
    },
  };
}

/**
 * A settings date as xmodule/fields.py `Date.from_json` reads it, a time without a zone meaning UTC, and as the
 * API prints it (`…T…Z`). Studio's exports write ISO 8601 (`Date.to_json`), sometimes
 * JSON-quoted in old XML; other spellings dateutil would also take, found only in hand-edited exports, are
 * left empty rather than guessed.
 */
function isoDate(value: unknown): string | null {
  const text = settingString(value)?.replace(/^"|"$/g, '');
  if (!text) return null;
  // Read as the platform reads it (no zone means UTC), never as this machine's local time.
  const instant = tryParseInstant(text);
  if (!instant) return null;
  return instantToDate(instant)
    .toISOString()
    .replace(/\.000Z$/, 'Z');
}
