import type { Block, CourseSnapshot } from '../../../src/openedx/api-types.js';
import { boolParam, developerError, fieldError, isCourseKey, json, multiValue, type Reply } from './http.js';

/** Emitted for every block whatever was requested (BlockSerializer.to_representation). */
const ALWAYS = ['id', 'block_id', 'lms_web_url', 'legacy_web_url', 'student_view_url'] as const;

export interface BlocksRequest {
  params: URLSearchParams;
  origin: string;
  username: string;
  isStaff: boolean;
  courses: ReadonlyMap<string, CourseSnapshot>;
}

/**
 * `GET /api/courses/v{1,2}/blocks/?course_id=…` answered the way BlocksInCourseView and BlockListGetForm
 * answer it: the same validation errors, `depth` defaulting to the root only, fields emitted only when
 * requested and present, and `student_view_data` only for the block types it names.
 */
export function blocksInCourse({ params, origin, username, isStaff, courses }: BlocksRequest): Reply {
  const courseId = params.get('course_id');
  if (!courseId) return developerError(400, 'course_id is required.');
  if (!isCourseKey(courseId)) return developerError(400, `'${courseId}' is not a valid course key.`);

  const fields = multiValue(params, 'requested_fields');
  if (fields && 'error' in fields) return fieldError('requested_fields', fields.error);
  const studentViewData = multiValue(params, 'student_view_data');
  if (studentViewData && 'error' in studentViewData)
    return fieldError('student_view_data', studentViewData.error);
  const blockCounts = multiValue(params, 'block_counts');
  if (blockCounts && 'error' in blockCounts) return fieldError('block_counts', blockCounts.error);

  const depthParam = params.get('depth');
  let depth = 0;
  if (depthParam === 'all') depth = Infinity;
  else if (depthParam) {
    if (!/^\d+$/.test(depthParam)) return fieldError('depth', `'${depthParam}' is not a valid depth value.`);
    depth = Number(depthParam);
  }
  const returnType = params.get('return_type') ?? 'dict';
  if (!['dict', 'list', ''].includes(returnType)) {
    return fieldError(
      'return_type',
      `Select a valid choice. ${returnType} is not one of the available choices.`,
    );
  }
  const allBlocks = boolParam(params.get('all_blocks'));
  if (!allBlocks && params.get('username') === null) {
    return fieldError('username', 'This field is required unless all_blocks is requested.');
  }
  const rootKey = courseId.startsWith('course-v1:')
    ? `block-v1:${courseId.slice('course-v1:'.length)}+type@course+block@course`
    : undefined;
  if (allBlocks && !isStaff) {
    return developerError(
      403,
      `'${username}' does not have permission to access all blocks in '${rootKey ?? courseId}'.`,
    );
  }
  const course = courses.get(courseId);
  if (!course) return developerError(404, `Block not found: ${rootKey ?? courseId}`);

  const requested = new Set([...(fields ?? []), 'type', 'display_name']);
  if (studentViewData) requested.add('student_view_data');
  if (blockCounts) requested.add('block_counts');

  const out: Record<string, Record<string, unknown>> = {};
  const root = course.blocks.root;
  const queue: Array<{ key: string; level: number }> = [{ key: root, level: 0 }];
  // A read index instead of shift(): shifting a 100k-entry array is quadratic.
  for (let next = 0; next < queue.length; next++) {
    const { key, level } = queue[next]!;
    const block = course.blocks.blocks[key];
    if (!block || out[key]) continue;
    const withinDepth = level < depth;
    out[key] = serialize(block, courseId, origin, requested, studentViewData ?? [], withinDepth);
    if (withinDepth) for (const child of block.children ?? []) queue.push({ key: child, level: level + 1 });
  }
  return returnType === 'list' ? json(200, Object.values(out)) : json(200, { root, blocks: out });
}

function serialize(
  block: Block,
  courseId: string,
  origin: string,
  requested: Set<string>,
  studentViewTypes: string[],
  withChildren: boolean,
): Record<string, unknown> {
  const jump = `${origin}/courses/${courseId}/jump_to/${block.id}`;
  const data: Record<string, unknown> = {
    id: block.id,
    block_id: block.block_id,
    lms_web_url: block.lms_web_url ?? jump,
    legacy_web_url: block.legacy_web_url ?? `${jump}?experience=legacy`,
    student_view_url: block.student_view_url ?? `${origin}/xblock/${block.id}`,
  };
  for (const [field, value] of Object.entries(block)) {
    if ((ALWAYS as readonly string[]).includes(field) || field === 'children') continue;
    if (!requested.has(field) || value === undefined || value === null) continue;
    if (field === 'student_view_data' && !studentViewTypes.includes(block.type)) continue;
    data[field] = value;
  }
  if (withChildren && requested.has('children') && block.children && block.children.length > 0) {
    data.children = block.children;
  }
  return data;
}
