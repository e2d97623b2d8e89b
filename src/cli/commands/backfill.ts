/** `backfill`: syncs many courses from the LMS (all, one org, or a list) with a per-course budget, resumably. */
import { readFile } from 'node:fs/promises';
import { SingleBar, Presets } from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { BackfillProgressFile } from '../../app/backfill-progress-file.js';
import { loadRuntime } from '../../app/runtime.js';
import { withService } from '../../app/service.js';
import { retry, type BackoffPolicy } from '../../backoff.js';
import { isRetryable } from '../../errors.js';
import { CourseKey } from '../../domain/keys.js';
import { runBackfill, type BackfillReport } from '../../sync/backfill.js';
import { positiveInt } from '../arguments.js';

const BACKFILL_COURSE_BUDGET: BackoffPolicy = {
  initialMs: 1_000,
  maxMs: 30_000,
  multiplier: 2,
  maxAttempts: 6,
};

interface BackfillOptions {
  all?: boolean;
  org?: string;
  coursesFile?: string;
  concurrency: number;
  restart: boolean;
  export: boolean;
}

/** Without a TTY (a Job, CI), progress goes to the log at this interval instead of a bar. */
const LOG_EVERY_MS = 10_000;

export function backfillCommand(program: Command): void {
  program
    .command('backfill')
    .description(
      'Sync many courses from the LMS: all, one org, or a list; resumable, with a summary at the end',
    )
    .addOption(new Option('--all', 'every course the LMS lists').conflicts(['org', 'coursesFile']))
    .addOption(new Option('--org <org>', 'only courses of this organization').conflicts('coursesFile'))
    .option('--courses-file <file>', 'a file with one course key per line (# starts a comment)')
    .option('--concurrency <n>', 'courses synced at once', positiveInt, 4)
    .option('--restart', 'forget the progress of an earlier run of the same selection', false)
    .option(
      '--no-export',
      'do not queue export archive builds (they are built by `consume` or `export-worker`)',
    )
    .action(async (opts: BackfillOptions, command: Command) => {
      if (!opts.all && !opts.org && !opts.coursesFile) {
        command.error('choose what to backfill: --all, --org <org> or --courses-file <file>', {
          exitCode: 2,
        });
      }
      const runtime = loadRuntime();
      const { config, logger } = runtime;
      const selection = opts.coursesFile ? `file:${opts.coursesFile}` : opts.org ? `org:${opts.org}` : 'all';
      const listed = opts.coursesFile ? await readCoursesFile(opts.coursesFile) : undefined;
      const progress = await BackfillProgressFile.open(config.dataDir, selection, opts.restart);

      const report = await withService(
        runtime,
        async (service) => {
          const courseKeys = listed ?? (await collect(service.lms().listCourseKeys({ org: opts.org })));
          logger.info(
            {
              selection,
              courses: courseKeys.length,
              already_done: progress.alreadyDone,
              progress_file: progress.file,
            },
            'backfill starting',
          );
          const sync = service.courseSyncer({ exports: opts.export });
          const reporter = progressReporter(courseKeys.length, logger);
          // Ctrl-C or SIGTERM: finish the courses in flight, start no more; a rerun resumes.
          const interrupted = new AbortController();
          const interrupt = () => {
            logger.warn('interrupted: finishing the courses in flight; rerun the same command to resume');
            interrupted.abort();
          };
          process.once('SIGINT', interrupt);
          process.once('SIGTERM', interrupt);
          try {
            return await runBackfill({
              courseKeys,
              // No coalescer behind a backfill: it owns the per-course budget, across whole syncs.
              sync: (key) =>
                retry(() => sync(key), BACKFILL_COURSE_BUDGET, {
                  isRetryable,
                  onRetry: (err, attempt, delayMs) =>
                    logger.warn(
                      { err, course_key: key, attempt, retry_in_ms: delayMs },
                      'course sync failed, retrying',
                    ),
                }),
              concurrency: opts.concurrency,
              progress,
              onCourse: (_key, _outcome, r) => reporter.update(r),
              signal: interrupted.signal,
            });
          } finally {
            process.off('SIGINT', interrupt);
            process.off('SIGTERM', interrupt);
            reporter.stop();
          }
        },
        { needsLms: true },
      );

      process.stdout.write(summary(report, progress.file));
      logger.info({ ...report, failed: report.failed.length }, 'backfill finished');
      const unfinished = report.total - report.synced - report.skipped - report.failed.length;
      if (report.failed.length > 0 || unfinished > 0) process.exitCode = 1;
    });
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out;
}

export async function readCoursesFile(file: string): Promise<string[]> {
  const keys: string[] = [];
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    try {
      keys.push(CourseKey.parse(line).toString());
    } catch (err) {
      throw new InvalidArgumentError(`${file}:${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return [...new Set(keys)];
}

function progressReporter(total: number, logger: { info(obj: object, msg: string): void }) {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format: 'backfill [{bar}] {value}/{total} courses | failed {failed} | eta {eta_formatted}',
        stream: process.stderr,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { failed: 0 });
    return {
      update: (r: BackfillReport) =>
        bar.update(r.synced + r.skipped + r.failed.length, { failed: r.failed.length }),
      stop: () => bar.stop(),
    };
  }
  let lastLog = Date.now();
  return {
    update: (r: BackfillReport) => {
      if (Date.now() - lastLog < LOG_EVERY_MS) return;
      lastLog = Date.now();
      logger.info(
        { done: r.synced + r.skipped + r.failed.length, total, failed: r.failed.length },
        'backfill progress',
      );
    },
    stop: () => undefined,
  };
}

function summary(report: BackfillReport, progressFile: string): string {
  const lines = [
    `backfill: ${report.total} courses: ${report.synced} synced, ${report.skipped} already done, ${report.failed.length} failed`,
  ];
  for (const { courseKey, error } of report.failed.slice(0, 20))
    lines.push(`  failed ${courseKey}: ${error}`);
  if (report.failed.length > 20) lines.push(`  … and ${report.failed.length - 20} more`);
  const unfinished = report.total - report.synced - report.skipped - report.failed.length;
  if (unfinished > 0) lines.push(`interrupted: ${unfinished} courses not started`);
  if (report.failed.length > 0 || unfinished > 0)
    lines.push(`rerun the same command to resume and retry the failed courses (progress: ${progressFile})`);
  return `${lines.join('\n')}\n`;
}
