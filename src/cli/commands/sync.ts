import { InvalidArgumentError, type Command } from 'commander';
import { lmsCourseSource } from '../../app/course-source.js';
import { createCourseSyncer } from '../../app/course-syncer.js';
import { createExports, latestExport } from '../../app/exports.js';
import { CourseKey } from '../../domain/keys.js';
import { OlxCourseSource } from '../../openedx/olx/course-source.js';
import type { CourseSource } from '../../sync/ports.js';
import { loadRuntime, withStores } from '../runtime.js';
import { outlineTable, syncSummary } from '../summary.js';
import { describeExport } from './export.js';

interface SyncOptions {
  olx?: string;
  export: boolean;
  outline: boolean;
  json: boolean;
}

export function syncCommand(program: Command): void {
  program
    .command('sync')
    .description('Sync one course now, without the bus: from the LMS by key, or from a Studio export (--olx)')
    .argument('[course-key]', 'course key, e.g. course-v1:OpenedX+DemoX+DemoCourse', parseCourseKey)
    .option('--olx <path>', 'read the course from an OLX export (folder or .tar.gz) instead of the LMS')
    .option('--no-export', 'neither queue nor build an export archive')
    .option('--outline', 'print the outline with its section:subsection:unit numbers')
    .option('--json', 'print the result as JSON')
    .action(async (courseKey: string | undefined, opts: SyncOptions, command: Command) => {
      if (!courseKey && !opts.olx) command.error('give a course key or --olx <path>', { exitCode: 2 });
      const runtime = loadRuntime();
      let source: CourseSource;
      let key: string;
      if (opts.olx) {
        const olx = await OlxCourseSource.open(opts.olx, { courseKey });
        source = olx;
        key = olx.courseKey;
      } else {
        source = lmsCourseSource(runtime.config, runtime.logger);
        key = courseKey!;
      }
      await withStores(runtime, async (stores) => {
        const exports = opts.export ? createExports(runtime.config, stores, runtime.logger) : undefined;
        try {
          const sync = createCourseSyncer(runtime.config, stores, {
            source,
            logger: runtime.logger,
            exports: exports?.sink,
          });
          const result = await sync(key);
          // A one-shot sync has no worker behind it: build the archive it queued before returning.
          const pending = result.export?.status === 'queued' || result.export?.status === 'already-queued';
          const builds = pending ? await exports!.drain() : [];
          const current = exports ? await latestExport(stores, key) : undefined;
          if (opts.json) {
            process.stdout.write(
              `${JSON.stringify({ ...result, outline: undefined, builds, currentExport: current }, null, 2)}\n`,
            );
          } else {
            if (opts.outline && result.outline) process.stdout.write(`${outlineTable(result.outline)}\n`);
            process.stdout.write(`${syncSummary(result)}\n`);
            if (current) process.stdout.write(`${describeExport(key, current)}\n`);
          }
          if (builds.some((b) => b.status === 'failed')) process.exitCode = 1;
        } finally {
          exports?.close();
        }
      });
    });
}

export function parseCourseKey(value: string): string {
  try {
    return CourseKey.parse(value).toString();
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}
