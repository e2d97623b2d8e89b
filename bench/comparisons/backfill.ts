import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComparisonCase } from '../comparison.js';
import type { BackfillReport } from './backfill-probe.js';
import { startBackfillLmsPeer, type LmsHostReady } from './lms-peer.js';

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'backfill-probe.ts');
const MB = 1e6;
/** Kept small by default so that a whole bench run stays within minutes; `--backfill-courses 2000` for the full one. */
export const DEFAULT_BACKFILL_COURSES = 600;

const backfillCourses = () => Number(process.env.BENCH_BACKFILL_COURSES ?? DEFAULT_BACKFILL_COURSES);

type ProbeReply = { ok: true; report: BackfillReport } | { ok: false; error: string };

function runProbe(side: 'figure' | 'baseline', courses: number, dataDir: string, lms: LmsHostReady) {
  return new Promise<BackfillReport>((resolve, reject) => {
    const child = fork(PROBE, [side, String(courses), path.join(dataDir, side), JSON.stringify(lms)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: ProbeReply | undefined;
    child.on('message', (m) => (reply ??= m as ProbeReply));
    child.on('exit', (code, signal) => {
      if (reply?.ok) resolve(reply.report);
      else
        reject(new Error(reply?.error ?? `the ${side} backfill probe exited (${signal ?? `code ${code}`})`));
    });
  });
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

/**
 * A whole-instance backfill: courses of 300 to 3,000 blocks from the test LMS into ClickHouse with
 * concurrency 4, the figure through runBackfill and the real sync, the baseline the same requests and raw
 * inserts with the same concurrency, each in a process of its own. Judged on wall time; the peak RSS at 500
 * courses and at the end shows whether memory stays flat as courses go by.
 */
export const backfillCase: ComparisonCase = {
  name: 'backfill.courses',
  description:
    'runBackfill --concurrency 4 over the real sync of courses of 300–3,000 blocks vs the same fetches and raw inserts with the same concurrency',
  target: { kind: 'ratio-at-most', limit: 1.2 },
  // Both sides run in turn; a loaded 2-core machine has taken about 0.15 s per course for the two.
  timeoutMs: () => 120_000 + backfillCourses() * 500,
  async measure(dataDir) {
    const courses = backfillCourses();
    const lms = await startBackfillLmsPeer();
    try {
      const ready = { url: lms.url, credentials: lms.credentials };
      const figure = await runProbe('figure', courses, dataDir, ready);
      const baseline = await runProbe('baseline', courses, dataDir, ready);
      if (figure.failed > 0 || baseline.failed > 0)
        throw new Error(`${figure.failed} figure and ${baseline.failed} baseline course(s) failed`);
      const rate = (r: BackfillReport) => ((r.courses - 1) / r.ms) * 1000;
      return {
        name: `${this.name}`,
        figure: {
          value: figure.ms,
          unit: 'ms',
          display: `${courses.toLocaleString('en-US')} in ${(figure.ms / 1000).toFixed(1)} s, ${rate(figure).toFixed(1)}/s`,
        },
        baseline: {
          value: baseline.ms,
          unit: 'ms',
          display: `${(baseline.ms / 1000).toFixed(1)} s, ${rate(baseline).toFixed(1)}/s`,
        },
        ratio: figure.ms / baseline.ms,
        details: { figure, baseline, concurrency: 4 },
        note:
          `${figure.clickhouse}, ${courses.toLocaleString('en-US')} courses, concurrency 4; peak RSS ${mb(figure.peakAtCheckpointBytes)} at ` +
          `${figure.checkpoint} courses, ${mb(figure.peakAtEndBytes)} at ${courses} (resident before ${mb(figure.beforeBytes)}); ` +
          `baseline ${mb(baseline.peakAtCheckpointBytes)} and ${mb(baseline.peakAtEndBytes)}`,
      };
    } finally {
      await lms.close();
    }
  },
};
