import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  BlocksResponseSchema,
  CourseDetailSchema,
  type CourseSnapshot,
} from '../../../src/openedx/api-types.js';

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function readCourse(dir: string): Promise<CourseSnapshot> {
  const read = async (name: string) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as unknown;
  const detail = CourseDetailSchema.parse(await read('course.json'));
  const blocks = BlocksResponseSchema.parse(await read('blocks.json'));
  return { courseKey: detail.id, detail, blocks, source: `fixture:${dir}` };
}

/**
 * Courses stored as `{course.json, blocks.json}` (the LMS's own responses): either `dir` itself is one
 * course, or each of its subdirectories is.
 */
export async function loadCourseFixtures(dir: string): Promise<CourseSnapshot[]> {
  if (await exists(path.join(dir, 'course.json'))) return [await readCourse(dir)];
  const courses: CourseSnapshot[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const sub = path.join(dir, entry.name);
    if (entry.isDirectory() && (await exists(path.join(sub, 'course.json'))))
      courses.push(await readCourse(sub));
  }
  return courses;
}
