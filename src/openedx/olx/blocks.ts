import { createHash } from 'node:crypto';
import type { Block, BlocksResponse } from '../api-types.js';
import { CourseKey, usageKeyFor } from '../../domain/keys.js';
import type { ExportFiles } from './source.js';
import { parseOlx, type XmlElement } from './xml.js';
import { settingBoolean, settingString, type Policy } from './policy.js';
import { defaultDisplayName } from './display-name-defaults.js';
import { videoStudentViewData } from './video.js';
import { OlxCycleError, OlxLimitError } from './errors.js';
import { urlNameFile } from './paths.js';

/** Tags whose child elements are blocks; every other block keeps its child elements as its own content. */
const CONTAINER_TAGS = new Set([
  'course',
  'chapter',
  'sequential',
  'problemset',
  'videosequence',
  'vertical',
  'unit',
  'library_content',
  'itembank',
  'split_test',
  'conditional',
  'wrapper',
]);
/** Child elements of containers that are settings, not blocks (course wiki and textbooks, conditional sources). */
const NON_BLOCK_CHILDREN = new Set(['wiki', 'textbook', 'show']);

interface Context {
  files: ExportFiles;
  policy: Policy;
  courseKey: CourseKey;
  blocks: Record<string, Block>;
  /** The blocks being loaded, from the course down: a child among them is a cycle. */
  path: Array<{ id: string; label: string }>;
  onPath: Set<string>;
  /** Block definitions loaded so far, against `maxBlocks`. */
  loaded: number;
}

/**
 * Builds the Blocks API response (`all_blocks=true&depth=all&requested_fields=children,graded,format,
 * student_view_data`, `student_view_data=video`) for the course tree of an export, starting at the
 * `course/<run>.xml` element. Children are listed in document order; `graded` is the inherited value.
 */
export async function readCourseTree(
  files: ExportFiles,
  policy: Policy,
  courseKey: CourseKey,
  courseElement: XmlElement,
): Promise<BlocksResponse> {
  const ctx: Context = { files, policy, courseKey, blocks: {}, path: [], onPath: new Set(), loaded: 0 };
  const root = await loadBlock(ctx, courseElement, 'course', `course/${courseKey.run}`, false);
  return { root, blocks: ctx.blocks };
}

async function loadBlock(
  ctx: Context,
  element: XmlElement,
  blockId: string,
  policyKey: string,
  parentGraded: boolean,
): Promise<string> {
  const type = element.tag;
  const id = usageKeyFor(ctx.courseKey, type, blockId).toString();
  enter(ctx, id, `${type}/${blockId}`);
  try {
    return await loadDefinition(ctx, element, id, blockId, policyKey, parentGraded);
  } finally {
    ctx.onPath.delete(id);
    ctx.path.pop();
  }
}

/**
 * Puts a block on the path being loaded, refusing a block that is already on it (the course would be
 * infinite) and a course deeper or larger than the limits allow.
 */
function enter(ctx: Context, id: string, label: string): void {
  const { limits } = ctx.files;
  if (ctx.onPath.has(id)) {
    const from = ctx.path.findIndex((p) => p.id === id);
    throw new OlxCycleError([...ctx.path.slice(from).map((p) => p.label), label]);
  }
  if (ctx.path.length >= limits.maxDepth) {
    throw new OlxLimitError(
      `${ctx.files.origin}: ${label} is nested ${ctx.path.length + 1} blocks deep, more than the ${limits.maxDepth} ` +
        `allowed (under ${ctx.path.map((p) => p.label).join(' → ')}); ` +
        'check that it is the export Studio produced (see "OLX input limits" in the README)',
    );
  }
  if (++ctx.loaded > limits.maxBlocks) {
    throw new OlxLimitError(
      `${ctx.files.origin} has more than ${limits.maxBlocks} blocks; ` +
        'check that it is the export Studio produced (see "OLX input limits" in the README)',
    );
  }
  ctx.path.push({ id, label });
  ctx.onPath.add(id);
}

async function loadDefinition(
  ctx: Context,
  element: XmlElement,
  id: string,
  blockId: string,
  policyKey: string,
  parentGraded: boolean,
): Promise<string> {
  const type = element.tag;
  const settings: Record<string, unknown> = { ...element.attrs, ...(ctx.policy[policyKey] ?? {}) };
  const graded = settingBoolean(settings.graded) ?? parentGraded;

  const block: Block = lmsUrls(ctx.courseKey, id, blockId, type);
  block.display_name = settingString(settings.display_name) ?? defaultDisplayName(type);
  block.graded = graded;
  const format = settingString(settings.format);
  if (format !== undefined) block.format = format;
  if (type === 'video') {
    block.student_view_data = videoStudentViewData(element, settings);
    const edxVideoId = settingString(settings.edx_video_id);
    if (edxVideoId) block.edx_video_id = edxVideoId;
  }
  // Registered before the children so that a block referenced again keeps its first definition.
  if (!(id in ctx.blocks)) ctx.blocks[id] = block;

  if (CONTAINER_TAGS.has(type)) {
    const children: string[] = [];
    for (const child of element.children) {
      if (NON_BLOCK_CHILDREN.has(child.tag)) continue;
      const loaded = await loadChild(ctx, child, graded);
      if (loaded !== undefined) children.push(loaded);
    }
    if (children.length > 0) block.children = children;
  }
  return id;
}

/** Resolves a pointer tag (`<chapter url_name="x"/>` → `chapter/x.xml`) or takes an inline definition. */
async function loadChild(
  ctx: Context,
  element: XmlElement,
  parentGraded: boolean,
): Promise<string | undefined> {
  let definition = element;
  const urlName = element.attrs.url_name;
  if (urlName !== undefined && isPointer(element)) {
    const file = urlNameFile(element.tag, urlName, '.xml', ctx.files.origin);
    // A block listed by several parents is read once: reading it again adds nothing (its first definition
    // is kept), and would cost one read per path to it, which grows exponentially with depth.
    const id = usageKeyFor(ctx.courseKey, element.tag, urlName).toString();
    if (id in ctx.blocks && !ctx.onPath.has(id)) return id;
    const text = await ctx.files.read(file);
    // Studio's import skips a child whose definition file is missing, and so do we.
    if (text === undefined) return undefined;
    const loaded = parseOlx(text, `${ctx.files.origin}/${file}`);
    definition = { ...loaded, tag: element.tag, attrs: { ...loaded.attrs, url_name: urlName } };
  }
  const blockId = urlName ?? generatedId(definition);
  return loadBlock(ctx, definition, blockId, `${definition.tag}/${blockId}`, parentGraded);
}

/** edx-platform `is_pointer_tag`: an element whose only content is its url_name. */
function isPointer(element: XmlElement): boolean {
  return (
    Object.keys(element.attrs).length === 1 && element.children.length === 0 && element.text.trim() === ''
  );
}

/** Inline blocks without a url_name get a stable id derived from their content. */
function generatedId(element: XmlElement): string {
  return createHash('sha1').update(JSON.stringify(element)).digest('hex').slice(0, 20);
}

/** The always-present URL fields, relative to the LMS root as the reader has no host to put before them. */
export function lmsUrls(courseKey: CourseKey, id: string, blockId: string, type: string): Block {
  const jump = `/courses/${courseKey.toString()}/jump_to/${id}`;
  return {
    id,
    block_id: blockId,
    lms_web_url: jump,
    legacy_web_url: `${jump}?experience=legacy`,
    student_view_url: `/xblock/${id}`,
    type,
    display_name: '',
  };
}
