/**
 * The LMS Blocks API answered from a course's block structure, the way edx-platform builds it:
 * - routes: `BlocksInCourseView` (`/api/courses/v{1,2}/blocks/?course_id=`) and `BlocksView`
 *   (`/api/courses/v{1,2}/blocks/{usage key}/`) in lms/djangoapps/course_api/blocks/views.py, with the form
 *   checks of `BlockListGetForm` (forms.py); only the course_id route calls
 *   `filter_discussion_xblocks_from_response` (blocks/utils.py), which drops every `discussion` block and its id
 *   from its parent's `children` when the course's discussion provider is `openedx`;
 * - the structure: collected by walking `get_children()` from the root (block_structure/factory.py), so
 *   detached blocks never appear; `depth` limits the levels; `children` only when non-empty;
 * - fields: `BlockSerializer` (blocks/serializers.py) emits id, block_id, lms_web_url, legacy_web_url and
 *   student_view_url (absolute) always, `type` and `display_name` (default '') always, and every other
 *   supported field only when requested and not None; inheritable fields carry their runtime value;
 * - extra fields: `ExtraFieldsTransformer` (blocks/transformers/extra_fields.py) adds the fields
 *   COURSE_BLOCKS_API_EXTRA_FIELDS names, read from the block, when they are requested;
 * - videos: `student_view_data()` of xmodule/video_block/video_block.py (VAL profiles, else fallback and
 *   YouTube, no `edx_video_id`), then `VideoBlockURLTransformer` (video_urls.py) rewrites VAL URLs to the CDN
 *   with `rewrite_video_url` (xmodule/video_block/video_utils.py), which answers None for an empty URL, and
 *   `VideoBlockStreamPriorityTransformer` (video_stream_priority.py) adds `stream_priority`.
 */
import type { ModulestoreCourse, PlatformSettings } from './modulestore.js';
import { boolParam, developerError, fieldError, json, multiValue, type Reply } from './http.js';
import { drfJsonDatetime, runtimeTree, truthy, type RuntimeBlock } from './platform.js';
import { COMPLETION_MODE, DISPLAY_NAME_DEFAULT } from './xblock-classes.js';

/** One collected block structure: the course as it was when the cache was (re)built, and the settings then. */
export interface CachedStructure {
  course: ModulestoreCourse;
  settings: PlatformSettings;
}

export interface BlocksRequest {
  /** `course_id` for BlocksInCourseView, the path's usage key for BlocksView. */
  route: { kind: 'course_id' } | { kind: 'usage_key'; usageKey: string };
  params: URLSearchParams;
  origin: string;
  username: string;
  isStaff: boolean;
  /** The cached structure of the course the request names, if the LMS knows it. */
  structureOf: (courseKey: string) => CachedStructure | undefined;
}

/** Class attribute `has_score` of the scored block types (capa ProblemBlock, ORA, LTI, staff-graded). */
const SCORED_TYPES = new Set(['problem', 'openassessment', 'staffgradedxblock', 'lti', 'edx_sga']);
/** Profiles the video block asks VAL for (video_block.py `student_view_data`). */
const VAL_PROFILES = ['mobile_low', 'desktop_mp4', 'desktop_webm', 'mobile_high'];
/** video_urls.py `VIDEO_FORMAT_EXCEPTIONS`: never rewritten. */
const NOT_REWRITTEN = new Set(['youtube', 'fallback']);
/** video_stream_priority.py: lower is preferred. */
const STREAM_PRIORITY: Record<string, number> = { hls: 0, desktop_mp4: 1, desktop_webm: 2, mobile_high: 3 };
const DEFAULT_VIDEO_CDN = 'https://edx-video.net';

export function blocksApi(req: BlocksRequest): Reply {
  const { params } = req;
  let courseId: string;
  let rootUsageKey: string;
  if (req.route.kind === 'course_id') {
    const given = params.get('course_id');
    if (!given) return developerError(400, 'course_id is required.');
    if (!/^course-v1:[^/+]+\+[^/+]+\+[^/+]+$/.test(given))
      return developerError(400, `'${given}' is not a valid course key.`);
    courseId = given;
    rootUsageKey = `block-v1:${given.slice('course-v1:'.length)}+type@course+block@course`;
  } else {
    const m = /^block-v1:([^+]+\+[^+]+\+[^+]+)\+type@[^+]+\+block@.+$/.exec(req.route.usageKey);
    if (!m) return developerError(400, `'${req.route.usageKey}' is not a valid usage key.`);
    courseId = `course-v1:${m[1]}`;
    rootUsageKey = req.route.usageKey;
  }

  const fields = multiValue(params, 'requested_fields');
  if (fields && 'error' in fields) return fieldError('requested_fields', fields.error);
  const studentViewData = multiValue(params, 'student_view_data');
  if (studentViewData && 'error' in studentViewData)
    return fieldError('student_view_data', studentViewData.error);
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
  if (!allBlocks && params.get('username') === null)
    return fieldError('username', 'This field is required unless all_blocks is requested.');
  if (allBlocks && !req.isStaff) {
    return developerError(
      403,
      `'${req.username}' does not have permission to access all blocks in '${rootUsageKey}'.`,
    );
  }
  const cached = req.structureOf(courseId);
  if (!cached) return developerError(404, `Block not found: ${rootUsageKey}`);
  const tree = runtimeTree(cached.course);
  const root = tree.get(rootUsageKey);
  if (!root) return developerError(404, `Block not found: ${rootUsageKey}`);

  const requested = new Set([...(fields ?? []), 'type', 'display_name']);
  if (studentViewData) requested.add('student_view_data');
  const context: SerializeContext = {
    courseId,
    origin: req.origin,
    requested,
    studentViewTypes: new Set(studentViewData ?? []),
    cached,
    // BlocksInCourseView.list: blocks/utils.py filter_discussion_xblocks_from_response.
    dropDiscussions: req.route.kind === 'course_id' && cached.course.discussionProvider === 'openedx',
  };

  const out = new Map<string, Record<string, unknown>>();
  const queue: Array<{ node: RuntimeBlock; level: number }> = [{ node: root, level: 0 }];
  // A read index instead of shift(): shifting a 100k-entry array is quadratic.
  for (let next = 0; next < queue.length; next++) {
    const { node, level } = queue[next]!;
    if (out.has(node.usageKey) || (context.dropDiscussions && node.block.type === 'discussion')) continue;
    const withinDepth = level < depth;
    const children = withinDepth ? childrenOf(node, context) : [];
    out.set(node.usageKey, serialize(node, children, context));
    for (const child of children) queue.push({ node: child, level: level + 1 });
  }
  const blocks = Object.fromEntries(out);
  return returnType === 'list' ? json(200, [...out.values()]) : json(200, { root: root.usageKey, blocks });
}

interface SerializeContext {
  courseId: string;
  origin: string;
  requested: Set<string>;
  studentViewTypes: Set<string>;
  cached: CachedStructure;
  dropDiscussions: boolean;
}

function childrenOf(node: RuntimeBlock, ctx: SerializeContext): RuntimeBlock[] {
  return ctx.dropDiscussions ? node.children.filter((c) => c.block.type !== 'discussion') : node.children;
}

function serialize(
  node: RuntimeBlock,
  children: RuntimeBlock[],
  ctx: SerializeContext,
): Record<string, unknown> {
  const { block, usageKey } = node;
  const jump = `${ctx.origin}/courses/${ctx.courseId}/jump_to/${usageKey}`;
  const data: Record<string, unknown> = {
    id: usageKey,
    block_id: block.id,
    lms_web_url: jump,
    legacy_web_url: `${jump}?experience=legacy`,
    student_view_url: `${ctx.origin}/xblock/${usageKey}`,
    type: block.type,
    display_name: displayNameField(node) ?? '',
  };
  const put = (name: string, value: unknown) => {
    if (ctx.requested.has(name) && value !== null && value !== undefined) data[name] = value;
  };
  put('graded', truthy(node.inherited.graded));
  put('format', block.fields.format);
  put('start', datetimeOrNull(node.inherited.start));
  put('due', datetimeOrNull(node.inherited.due));
  put('visible_to_staff_only', truthy(node.inherited.visible_to_staff_only));
  put('has_score', SCORED_TYPES.has(block.type));
  put('weight', block.fields.weight);
  if (ctx.requested.has('children') && children.length > 0) data.children = children.map((c) => c.usageKey);
  if (
    ctx.requested.has('student_view_data') &&
    ctx.studentViewTypes.has(block.type) &&
    block.type === 'video'
  )
    data.student_view_data = videoStudentViewData(node, ctx);
  for (const [type, field] of ctx.cached.settings.courseBlocksApiExtraFields) {
    if ((type === '*' || type === block.type) && ctx.requested.has(field))
      put(field, extraFieldValue(node, field));
  }
  return data;
}

/** The `display_name` field at runtime: explicit value, else the class default, else None. */
function displayNameField(node: RuntimeBlock): string | null {
  const { block } = node;
  const value = 'display_name' in block.fields ? block.fields.display_name : DISPLAY_NAME_DEFAULT[block.type];
  return value === null || value === undefined ? null : String(value);
}

/** `getattr(block, field)` for the fields operators expose through COURSE_BLOCKS_API_EXTRA_FIELDS. */
function extraFieldValue(node: RuntimeBlock, field: string): unknown {
  const { block } = node;
  if (field === 'edited_on') return drfJsonDatetime(block.editedOn);
  // A class attribute; getattr finds none on classes that do not declare it.
  if (field === 'completion_mode') return COMPLETION_MODE[block.type] || undefined;
  return block.fields[field];
}

function datetimeOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? drfJsonDatetime(value) : null;
}

function videoStudentViewData(node: RuntimeBlock, ctx: SerializeContext): Record<string, unknown> {
  const { cached, origin, courseId } = ctx;
  const f = node.block.fields;
  if (truthy(f.only_on_web)) return { only_on_web: true };
  const allSources = Array.isArray(f.html5_sources) ? (f.html5_sources as string[]) : [];
  let encoded: Record<string, Record<string, unknown>> = {};
  let duration: number | null = null;
  const edxVideoId = typeof f.edx_video_id === 'string' ? f.edx_video_id : '';
  const val = edxVideoId ? cached.course.val.find((v) => v.edxVideoId === edxVideoId) : undefined;
  if (val) {
    duration = val.duration;
    for (const enc of val.encodings) {
      if (VAL_PROFILES.includes(enc.profile))
        encoded[enc.profile] = { url: enc.url, file_size: enc.fileSize };
    }
  }
  if (Object.keys(encoded).length === 0) {
    encoded = {};
    if (allSources[0]) encoded.fallback = { url: allSources[0], file_size: 0 };
    if (typeof f.youtube_id_1_0 === 'string' && f.youtube_id_1_0)
      encoded.youtube = { url: `https://www.youtube.com/watch?v=${f.youtube_id_1_0}`, file_size: 0 };
  }
  const cdn = cached.settings.videoCdnUrls.default ?? DEFAULT_VIDEO_CDN;
  for (const [profile, entry] of Object.entries(encoded)) {
    if (!NOT_REWRITTEN.has(profile)) entry.url = rewriteVideoUrl(cdn, String(entry.url ?? ''));
    entry.stream_priority = STREAM_PRIORITY[profile] ?? -1;
  }
  const transcripts = f.transcripts && typeof f.transcripts === 'object' ? Object.keys(f.transcripts) : [];
  return {
    only_on_web: false,
    duration,
    transcripts: Object.fromEntries(
      transcripts.map((lang) => [
        lang,
        `${origin}/courses/${courseId}/xblock/${node.usageKey}/handler_noauth/transcript/download?lang=${lang}`,
      ]),
    ),
    encoded_videos: encoded,
    all_sources: allSources,
  };
}

/** video_utils.py `rewrite_video_url`: the CDN base plus the original's path, None when there is none. */
function rewriteVideoUrl(cdnBase: string, original: string): string | null {
  if (!cdnBase || !original) return null;
  let path: string;
  try {
    path = new URL(original).pathname;
  } catch {
    return null;
  }
  const rewritten = `${cdnBase.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return /^https?:\/\/[^/\s]+\/\S*$/.test(rewritten) ? rewritten : null;
}
