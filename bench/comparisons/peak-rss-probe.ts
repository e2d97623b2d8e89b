import { collectGarbage, peakRssBytes, resetPeakRss } from '../memory.js';
import { openBenchClickHouse, type BenchEngine } from './clickhouse-target.js';
import { WARMUP_BLOCKS } from './lms-sync.js';
import type { LmsHostReady } from './lms-peer.js';
import { SyncRig } from './sync-rig.js';

export interface PeakRssReport {
  /** The resident set's high-water mark during the one measured sync. */
  peakBytes: number;
  /** Resident set just before it: Node, the ClickHouse client or embedded engine, and what setup kept. */
  beforeBytes: number;
  /** V8 heap in use after the sync and a full GC: what a sync leaves behind. */
  heapAfterBytes: number;
  /** The embedded engine's MemoryTracking before and after the sync (absent with a server). */
  engineBeforeBytes?: number;
  engineAfterBytes?: number;
  clickhouse: string;
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
  engine: BenchEngine,
  dataDir: string,
  lms: LmsHostReady,
): Promise<PeakRssReport> {
  const clickhouse = await openBenchClickHouse(dataDir, engine);
  const embedded = clickhouse.connection.capabilities.embedded;
  const tracked = async () => {
    const rs = await clickhouse.connection.client.query({
      query: "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'",
      format: 'JSONEachRow',
    });
    return Number((await rs.json<{ value: string | number }>())[0]?.value ?? 0);
  };
  try {
    const rig = new SyncRig(clickhouse, { ...lms, close: async () => undefined });
    const warm = await rig.prepareBaseline(WARMUP_BLOCKS);
    await rig.realSync(WARMUP_BLOCKS);
    await rig.baselineSync(warm);
    const prepared = side === 'baseline' ? await rig.prepareBaseline(blocks) : undefined;
    const engineBeforeBytes = embedded ? await tracked() : undefined;
    collectGarbage();
    const beforeBytes = process.memoryUsage().rss;
    if (!resetPeakRss()) throw new Error('the peak RSS probe needs Linux (/proc/self/clear_refs)');
    const retriesBefore = rig.retries.length;
    const started = performance.now();
    if (prepared) await rig.baselineSync(prepared);
    else await rig.realSync(blocks);
    const ms = performance.now() - started;
    const peakBytes = peakRssBytes();
    collectGarbage();
    return {
      peakBytes,
      beforeBytes,
      heapAfterBytes: process.memoryUsage().heapUsed,
      ...(embedded ? { engineBeforeBytes, engineAfterBytes: await tracked() } : {}),
      clickhouse: clickhouse.describe,
      ms,
      lmsRetries: rig.retries.slice(retriesBefore),
    };
  } finally {
    await clickhouse.close();
  }
}

const [side, blocks, engine, dataDir, lmsJson] = process.argv.slice(2);
const engines: readonly string[] = ['configured', 'embedded', 'server'];
if (
  !process.send ||
  (side !== 'figure' && side !== 'baseline') ||
  !blocks ||
  !engine ||
  !engines.includes(engine) ||
  !dataDir ||
  !lmsJson
) {
  console.error('bench/comparisons/peak-rss-probe.ts is started by the benchmarks');
  process.exit(2);
}
try {
  const report = await probe(
    side,
    Number(blocks),
    engine as BenchEngine,
    dataDir,
    JSON.parse(lmsJson) as LmsHostReady,
  );
  process.send({ ok: true, report }, () => process.exit(0));
} catch (err) {
  process.send({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () =>
    process.exit(1),
  );
}
