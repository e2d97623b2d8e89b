/**
 * What course-sink reads of a course from the stand-in, computed in-process by the stand-in's own views:
 * the CourseSnapshot its LMS client would assemble (BlocksView with the fields it requests, the Courses API
 * detail, Studio's settings, grading and tabs). Pure tests and benchmarks take their input from here, so no
 * input carries a field the stand-in (and so the real LMS) would not send.
 */
import type { CourseSnapshot } from '../../../src/openedx/api-types.js';
import { readStudioData, type StudioGet } from '../../../src/openedx/cms/studio.js';
import { withStaticTabs } from '../../../src/openedx/lms/client.js';
import { BlocksResponseSchema, CourseDetailSchema } from '../../../src/openedx/api-types.js';
import { blocksApi } from './blocks.js';
import { courseDetailBody } from './courses.js';
import type { ModulestoreCourse, PlatformSettings } from './modulestore.js';
import { DEFAULT_PLATFORM_SETTINGS, courseBlock, usageKeyOf } from './platform.js';
import { advancedSettings, courseGrading, courseTabs } from './studio.js';

export const SNAPSHOT_ORIGIN = 'https://lms.example.com';

/** The requested fields and parameters of course-sink's LMS client (src/openedx/lms/client.ts). */
const CLIENT_PARAMS = new URLSearchParams({
  all_blocks: 'true',
  depth: 'all',
  return_type: 'dict',
  requested_fields:
    'children,graded,format,display_name,type,due,start,visible_to_staff_only,has_score,weight,edited_on,completion_mode,edx_video_id',
  student_view_data: 'video',
});

export interface SnapshotOptions {
  settings?: Partial<PlatformSettings>;
}

export function lmsSnapshot(course: ModulestoreCourse, opts: SnapshotOptions = {}): CourseSnapshot {
  const settings = { ...DEFAULT_PLATFORM_SETTINGS, ...opts.settings };
  const reply = blocksApi({
    route: { kind: 'usage_key', usageKey: usageKeyOf(course.courseKey, courseBlock(course)) },
    params: CLIENT_PARAMS,
    origin: SNAPSHOT_ORIGIN,
    username: 'course_sink_worker',
    isStaff: true,
    structureOf: () => ({ course, settings }),
  });
  if (reply.status !== 200) throw new Error(`the stand-in answered ${reply.status} for ${course.courseKey}`);
  // Through JSON, as the client receives it.
  const blocks = BlocksResponseSchema.parse(JSON.parse(JSON.stringify(reply.body)));
  const detail = CourseDetailSchema.parse(
    JSON.parse(JSON.stringify(courseDetailBody(course, SNAPSHOT_ORIGIN))),
  );
  const snapshot: CourseSnapshot = { courseKey: course.courseKey, detail, blocks, source: 'lms' };
  return snapshot;
}

/**
 * The snapshot as course-sink reads it with Studio configured: its own Studio reader (src/openedx/cms) over
 * the stand-in's Studio views, and the static tabs joined as the LMS client joins them.
 */
export async function withStudio(
  snapshot: CourseSnapshot,
  course: ModulestoreCourse,
): Promise<CourseSnapshot> {
  const get: StudioGet = async (pathAndQuery, schema) => {
    const url = new URL(pathAndQuery, SNAPSHOT_ORIGIN);
    const reply = url.pathname.includes('/advanced_settings/')
      ? advancedSettings(course, url.searchParams)
      : url.pathname.includes('/course_grading/')
        ? courseGrading(course)
        : courseTabs(course, { legacyCustomPages: false });
    return schema.parse(JSON.parse(JSON.stringify(reply.body)));
  };
  const studio = await readStudioData(get, course.courseKey);
  const blocks = structuredClone(snapshot.blocks);
  withStaticTabs(blocks, studio);
  return { ...snapshot, blocks, studio, source: 'lms+cms' };
}
