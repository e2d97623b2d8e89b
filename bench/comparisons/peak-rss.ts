import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComparisonCase } from '../comparison.js';
import { WARMUP_BLOCKS } from './lms-sync.js';
import { startLmsPeer, type LmsHostReady } from './lms-peer.js';
import type { PeakRssReport } from './peak-rss-probe.js';

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peak-rss-probe.ts');
const BLOCKS = 100_000;
const PROBE_TIMEOUT_MS = 120_000;
const MB = 1e6;

type ProbeReply = { ok: true; report: PeakRssReport } | { ok: false; error: string };

function runProbe(side: 'figure' | 'baseline', dataDir: string, lms: LmsHostReady): Promise<PeakRssReport> {
  return new Promise((resolve, reject) => {
    const child = fork(PROBE, [side, String(BLOCKS), path.join(dataDir, side), JSON.stringify(lms)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: ProbeReply | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('message', (m) => (reply ??= m as ProbeReply));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (reply?.ok) resolve(reply.report);
      else
        reject(new Error(reply?.error ?? `the ${side} peak RSS probe exited (${signal ?? `code ${code}`})`));
    });
  });
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

/**
 * Peak resident memory of the 100k-block sync: the real path and the baseline each in a fresh process
 * (Node with --expose-gc, ClickHouse client or embedded engine, nothing else), the LMS in a third.
 */
export const peakRssCase: ComparisonCase = {
  name: 'sync.peak-rss.100k',
  description:
    'peak RSS of the process during one 100k-block sync (real path) vs during the baseline fetch + raw insert',
  target: { kind: 'figure-at-most', limit: 300 },
  async measure(dataDir) {
    const lms = await startLmsPeer([WARMUP_BLOCKS, BLOCKS]);
    try {
      const ready = { url: lms.url, credentials: lms.credentials };
      const figure = await runProbe('figure', dataDir, ready);
      const baseline = await runProbe('baseline', dataDir, ready);
      return {
        name: this.name,
        figure: { value: figure.peakBytes / MB, unit: 'MB' },
        baseline: { value: baseline.peakBytes / MB, unit: 'MB' },
        ratio: figure.peakBytes / baseline.peakBytes,
        details: { figure, baseline, blocks: BLOCKS },
        note:
          `RSS before the sync ${mb(figure.beforeBytes)} (baseline ${mb(baseline.beforeBytes)}, which holds its ` +
          `precomputed rows); rise during it ${mb(figure.peakBytes - figure.beforeBytes)} ` +
          `(baseline ${mb(baseline.peakBytes - baseline.beforeBytes)}); sync took ${figure.ms.toFixed(0)} ms`,
      };
    } finally {
      await lms.close();
    }
  },
};
