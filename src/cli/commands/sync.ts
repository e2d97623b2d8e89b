/** `sync`: one course now, without the bus, from the LMS by key or from a Studio export. */
import type { Command } from 'commander';
import { withService } from '../../app/service.js';
import { parseCourseKey } from '../arguments.js';
import { courseArgument } from '../course-argument.js';
import { describeExport, outlineTable, syncSummary } from '../summary.js';

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
      const { runtime, courseKey: key, olx } = await courseArgument(courseKey, opts.olx, command);
      await withService(
        runtime,
        async (service) => {
          const result = await service.courseSyncer({ source: olx, exports: opts.export })(key);
          // A one-shot sync has no worker behind it: build the archive it queued before returning.
          const pending = result.export?.status === 'queued' || result.export?.status === 'already-queued';
          const builds = pending ? await service.exports.drain() : [];
          const current = opts.export ? await service.latestExport(key) : undefined;
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
        },
        { needsLms: !olx },
      );
    });
}
