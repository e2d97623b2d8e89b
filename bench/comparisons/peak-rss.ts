import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComparisonCase } from '../comparison.js';
import type { BenchEngine } from './clickhouse-target.js';
import { WARMUP_BLOCKS } from './lms-sync.js';
import { startLmsPeer, type LmsHostReady } from './lms-peer.js';
import type { PeakRssReport } from './peak-rss-probe.js';

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peak-rss-probe.ts');
const PROBE_TIMEOUT_MS = 180_000;
const MB = 1e6;

type ProbeReply = { ok: true; report: PeakRssReport } | { ok: false; error: string };

function runProbe(
  side: 'figure' | 'baseline',
  blocks: number,
  engine: BenchEngine,
  dataDir: string,
  lms: LmsHostReady,
): Promise<PeakRssReport> {
  return new Promise((resolve, reject) => {
    const args = [side, String(blocks), engine, path.join(dataDir, side), JSON.stringify(lms)];
    const child = fork(PROBE, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
const rise = (r: PeakRssReport) => r.peakBytes - r.beforeBytes;

/**
 * How far one sync raises the resident set of the process that runs it: the real path and the baseline
 * each in a fresh process (Node with --expose-gc, the ClickHouse client or the embedded engine, nothing
 * else), the LMS in a third. The rise is what a course's size costs; what the process holds before it (Node
 * itself, and on the embedded rows the engine's own resident size, ≈ 250 MB) is in the note.
 */
function rssRiseCase(
  blocks: number,
  label: string,
  limitMb: number,
  engine: 'embedded' | 'server',
): ComparisonCase {
  return {
    name: `sync.rss-rise.${label}.${engine}`,
    description:
      `rise of peak RSS during one ${label}-block sync (real path), ClickHouse ${engine === 'server' ? 'over HTTP' : 'embedded'}, ` +
      'vs during the baseline fetch + raw insert',
    target: { kind: 'figure-at-most', limit: limitMb },
    async measure(dataDir) {
      const lms = await startLmsPeer([WARMUP_BLOCKS, blocks]);
      try {
        const ready = { url: lms.url, credentials: lms.credentials };
        const figure = await runProbe('figure', blocks, engine, dataDir, ready);
        const baseline = await runProbe('baseline', blocks, engine, dataDir, ready);
        const engineNote =
          figure.engineBeforeBytes === undefined
            ? ''
            : `; the engine's own tracked memory ${mb(figure.engineBeforeBytes)} before, ${mb(figure.engineAfterBytes ?? 0)} after`;
        return {
          name: this.name,
          figure: { value: rise(figure) / MB, unit: 'MB' },
          baseline: { value: rise(baseline) / MB, unit: 'MB' },
          ratio: rise(figure) / rise(baseline),
          details: { figure, baseline, blocks, engine },
          note:
            `${figure.clickhouse}; resident before the sync ${mb(figure.beforeBytes)} (baseline ${mb(baseline.beforeBytes)}, ` +
            `which holds its precomputed rows), peak ${mb(figure.peakBytes)} (baseline ${mb(baseline.peakBytes)}); ` +
            `V8 heap in use after it ${mb(figure.heapAfterBytes)}${engineNote}; sync took ${figure.ms.toFixed(0)} ms`,
        };
      } finally {
        await lms.close();
      }
    },
  };
}

export const rssRiseCases: ComparisonCase[] = [
  rssRiseCase(10_000, '10k', 40, 'server'),
  rssRiseCase(100_000, '100k', 150, 'server'),
  rssRiseCase(10_000, '10k', 40, 'embedded'),
  rssRiseCase(100_000, '100k', 150, 'embedded'),
];
