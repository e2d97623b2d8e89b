/**
 * The course a one-course command (`sync`, `export`) works on: an OLX export when `--olx` is given, else
 * the LMS by key. Usage errors come first, then the configuration, then the export is opened.
 */
import type { Command } from 'commander';
import { loadRuntime, type Runtime } from '../app/runtime.js';
import { OlxCourseSource } from '../openedx/olx/course-source.js';

export interface CourseArgument {
  runtime: Runtime;
  courseKey: string;
  /** The export to read; undefined means the LMS. */
  olx?: OlxCourseSource;
}

export async function courseArgument(
  courseKey: string | undefined,
  olxPath: string | undefined,
  command: Command,
): Promise<CourseArgument> {
  if (!courseKey && !olxPath) command.error('give a course key or --olx <path>', { exitCode: 2 });
  const runtime = loadRuntime();
  const olx = olxPath ? await OlxCourseSource.open(olxPath, { courseKey }) : undefined;
  return { runtime, courseKey: olx?.courseKey ?? courseKey!, olx };
}
