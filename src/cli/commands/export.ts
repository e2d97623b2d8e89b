import path from 'node:path';
import type { Command } from 'commander';
import { lmsCourseSource } from '../../app/course-source.js';
import { createCourseSyncer } from '../../app/course-syncer.js';
import { createExports, latestExport, type LatestExport } from '../../app/exports.js';
import { startHttpServer } from '../../app/http.js';
import { Metrics } from '../../app/metrics.js';
import { readinessChecks } from '../../app/readiness.js';
import { migrateStores, openStores } from '../../app/stores.js';
import { OlxCourseSource } from '../../openedx/olx/course-source.js';
import { loadRuntime, withStores } from '../runtime.js';
import { parseCourseKey } from './sync.js';

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description(
      "Bring one course's export archive up to date now: sync it, build the archive if its hash changed",
    )
    .argument('[course-key]', 'course key (read from the LMS)', parseCourseKey)
    .option('--olx <path>', 'read the course from an OLX export instead of the LMS')
    .action(async (courseKey: string | undefined, opts: { olx?: string }, command: Command) => {
      if (!courseKey && !opts.olx) command.error('give a course key or --olx <path>', { exitCode: 2 });
      const runtime = loadRuntime();
      const olx = opts.olx ? await OlxCourseSource.open(opts.olx, { courseKey }) : undefined;
      const key = olx?.courseKey ?? courseKey!;
      await withStores(runtime, async (stores) => {
        const exports = createExports(runtime.config, stores, runtime.logger);
        try {
          const sync = createCourseSyncer(runtime.config, stores, {
            source: olx ?? lmsCourseSource(runtime.config, runtime.logger),
            logger: runtime.logger,
            exports: exports.sink,
          });
          const result = await sync(key);
          const built = await exports.drain();
          const failed = built.filter((r) => r.status === 'failed');
          for (const f of failed)
            if (f.status === 'failed') process.stderr.write(`export build failed: ${f.error}\n`);
          const current = await latestExport(stores, key);
          if (result.export?.status === 'skipped') process.stdout.write(`${key}: ${result.export.reason}\n`);
          else if (current) process.stdout.write(`${describeExport(key, current)}\n`);
          if (failed.length > 0) process.exitCode = 1;
        } finally {
          exports.close();
        }
      });
    });
}

export function exportWorkerCommand(program: Command): void {
  program
    .command('export-worker')
    .description('Build queued export archives (for running builds apart from `consume --no-export-worker`)')
    .action(async () => {
      const { config, logger } = loadRuntime('stdout');
      const metrics = new Metrics({ logger });
      const stores = await openStores(config, logger);
      await migrateStores(stores, config, logger);
      const exports = createExports(config, stores, logger, metrics);
      const http = await startHttpServer({
        port: config.http.port,
        checks: readinessChecks({ config, stores, exports }),
        metrics,
        logger,
      });
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      exports.startWorker();
      await stopped;
      await exports.stopWorker();
      await http.close();
      exports.close();
      await stores.close();
    });
}

export function describeExport(courseKey: string, current: LatestExport): string {
  const where = current.bucket.startsWith('file:')
    ? path.join(current.bucket.slice('file:'.length), current.key)
    : `s3://${current.bucket}/${current.key}`;
  return [
    `export of ${courseKey}`,
    `  uid           ${current.uid}`,
    `  archive       ${where} (${current.size} bytes)`,
    `  inputs hash   ${current.inputsHash}`,
    `  sha512        ${current.outputSha512}`,
  ].join('\n');
}
