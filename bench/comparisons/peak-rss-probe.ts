import { collectGarbage, peakRssBytes, resetPeakRss } from '../memory.js';
import { openBenchClickHouse } from './clickhouse-target.js';
import { WARMUP_BLOCKS } from './lms-sync.js';
import type { LmsHostReady } from './lms-peer.js';
import { SyncRig } from './sync-rig.js';

export interface PeakRssReport {
  /** The resident set's high-water mark during the one measured sync. */
  peakBytes: number;
  /** Resident set just before it: Node, the ClickHouse client or embedded engine, and what setup kept. */
  beforeBytes: number;
  ms: number;
  /** LMS requests retried during the measured sync (a retry holds two answers' worth of memory at most). */
  lmsRetries: string[];
}

/**
 * One sync of one side (`figure`: the real path, `baseline`: fetch + raw insert) in a process of its own, so
 * that the high-water mark belongs to that sync alone. Started by peak-rss.ts; the LMS runs elsewhere.
 */
async function probe(
  side: string,
  blocks: number,
  dataDir: string,
  lms: LmsHostReady,
): Promise<PeakRssReport> {
  const clickhouse = await openBenchClickHouse(dataDir);
  try {
    const rig = new SyncRig(clickhouse, { ...lms, close: async () => undefined });
    const warm = await rig.prepareBaseline(WARMUP_BLOCKS);
    await rig.realSync(WARMUP_BLOCKS);
    await rig.baselineSync(warm);
    const prepared = side === 'baseline' ? await rig.prepareBaseline(blocks) : undefined;
    collectGarbage();
    const beforeBytes = process.memoryUsage().rss;
    if (!resetPeakRss()) throw new Error('the peak RSS probe needs Linux (/proc/self/clear_refs)');
    const retriesBefore = rig.retries.length;
    const started = performance.now();
    if (prepared) await rig.baselineSync(prepared);
    else await rig.realSync(blocks);
    const ms = performance.now() - started;
    return { peakBytes: peakRssBytes(), beforeBytes, ms, lmsRetries: rig.retries.slice(retriesBefore) };
  } finally {
    await clickhouse.close();
  }
}

const [side, blocks, dataDir, lmsJson] = process.argv.slice(2);
if (!process.send || (side !== 'figure' && side !== 'baseline') || !blocks || !dataDir || !lmsJson) {
  console.error('bench/comparisons/peak-rss-probe.ts is started by the benchmarks');
  process.exit(2);
}
try {
  const report = await probe(side, Number(blocks), dataDir, JSON.parse(lmsJson) as LmsHostReady);
  process.send({ ok: true, report }, () => process.exit(0));
} catch (err) {
  process.send({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () =>
    process.exit(1),
  );
}
