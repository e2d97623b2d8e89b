/** Reads a Studio OLX export into the same course snapshot the LMS client returns. */
import type { BlocksResponse, CourseSnapshot } from '../api-types.js';
import { CourseKey } from '../../domain/keys.js';
import { openExport, type ExportFiles } from './source.js';
import { parseOlx } from './xml.js';
import { readPolicy } from './policy.js';
import { readCourseTree } from './blocks.js';
import { readDetachedBlocks } from './detached.js';
import { readCourseDetail } from './detail.js';
import { OlxReadError } from './errors.js';
import type { OlxLimits } from './limits.js';
import { urlNameFile } from './paths.js';

export { openExport, type ExportFiles } from './source.js';
export { OlxCycleError, OlxLimitError, OlxPathError, OlxReadError } from './errors.js';
export { DEFAULT_OLX_LIMITS, type OlxLimits } from './limits.js';

export interface ReadOlxOptions {
  /** Overrides the key derived from course.xml (`course-v1:{org}+{course}+{url_name}`), e.g. for a re-run. */
  courseKey?: string;
  /** Overrides some of the size and count limits (`DEFAULT_OLX_LIMITS`). */
  limits?: Partial<OlxLimits>;
}

/**
 * Reads a Studio course export (folder or `.tar.gz`) into the same snapshot the LMS APIs would give:
 * `blocks` as the Blocks API returns them, plus the detached about/info/tab blocks, and `detail` as the
 * Courses API returns it.
 */
export async function readOlxCourse(location: string, options: ReadOlxOptions = {}): Promise<CourseSnapshot> {
  const files = await openExport(location, options.limits);
  return readOlxFiles(files, options);
}

export async function readOlxFiles(
  files: ExportFiles,
  options: ReadOlxOptions = {},
): Promise<CourseSnapshot> {
  const courseXml = await files.read('course.xml');
  if (courseXml === undefined)
    throw new OlxReadError(`${files.origin} has no course.xml: is it a Studio course export?`);
  const pointer = parseOlx(courseXml, `${files.origin}/course.xml`);
  const { org, course, url_name: run } = pointer.attrs;
  if (!org || !course || !run)
    throw new OlxReadError(`${files.origin}/course.xml must set org, course and url_name`);

  const exported = new CourseKey({ org, course, run });
  const courseKey = options.courseKey ? CourseKey.parse(options.courseKey).forBranch(null) : exported;

  const courseFile = urlNameFile('course', run, '.xml', `${files.origin}/course.xml`);
  const courseText = await files.read(courseFile);
  if (courseText === undefined)
    throw new OlxReadError(`${files.origin} has no ${courseFile}, which course.xml points to`);
  const courseElement = parseOlx(courseText, `${files.origin}/${courseFile}`);
  const policy = await readPolicy(files, run);
  const settings: Record<string, unknown> = { ...courseElement.attrs, ...(policy[`course/${run}`] ?? {}) };

  const tree = await readCourseTree(files, policy, courseKey, { ...courseElement, tag: 'course' });
  const blocks: BlocksResponse = { root: tree.root, blocks: { ...tree.blocks } };
  for (const block of await readDetachedBlocks(files, courseKey, settings.tabs)) {
    if (!(block.id in blocks.blocks)) blocks.blocks[block.id] = block;
  }
  const detail = await readCourseDetail(files, courseKey, settings);
  return { courseKey: courseKey.toString(), detail, blocks, source: `olx:${files.origin}` };
}
