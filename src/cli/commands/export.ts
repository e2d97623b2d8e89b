/** `export` (bring one course's archive up to date now) and `export-worker` (build queued archives). */
import type { Command } from 'commander';
import { runExportWorker } from '../../app/processes.js';
import { loadRuntime } from '../../app/runtime.js';
import { withService } from '../../app/service.js';
import { parseCourseKey } from '../arguments.js';
import { courseArgument } from '../course-argument.js';
import { describeExport } from '../summary.js';

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description(
      "Bring one course's export archive up to date now: sync it, build the archive if its hash changed",
    )
    .argument('[course-key]', 'course key (read from the LMS)', parseCourseKey)
    .option('--olx <path>', 'read the course from an OLX export instead of the LMS')
    .action(async (courseKey: string | undefined, opts: { olx?: string }, command: Command) => {
      const { runtime, courseKey: key, olx } = await courseArgument(courseKey, opts.olx, command);
      await withService(
        runtime,
        async (service) => {
          const result = await service.courseSyncer({ source: olx })(key);
          const built = await service.exports.drain();
          const failed = built.filter((r) => r.status === 'failed');
          for (const f of failed)
            if (f.status === 'failed') process.stderr.write(`export build failed: ${f.error}\n`);
          const current = await service.latestExport(key);
          if (result.export?.status === 'skipped') process.stdout.write(`${key}: ${result.export.reason}\n`);
          else if (current) process.stdout.write(`${describeExport(key, current)}\n`);
          if (failed.length > 0) process.exitCode = 1;
        },
        { needsLms: !olx },
      );
    });
}

export function exportWorkerCommand(program: Command): void {
  program
    .command('export-worker')
    .description('Build queued export archives (for running builds apart from `consume --no-export-worker`)')
    .action(async () => {
      await runExportWorker(loadRuntime('stdout'));
    });
}
