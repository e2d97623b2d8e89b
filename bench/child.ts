import type { BenchCase, CaseMeasurement } from './case.js';
import { ALL_CASES } from './cases/index.js';
import type { ComparisonCase, ComparisonMeasurement } from './comparison.js';
import { COMPARISON_CASES } from './comparisons/index.js';
import { collectGarbage, MiB, peakRssBytes, resetPeakRss } from './memory.js';
import { median } from './stats.js';

/** What the child sends the runner: a target row's comparison, or a supplementary case's measurement. */
export type ChildReply =
  | { ok: true; comparison: ComparisonMeasurement }
  | { ok: true; measurement: CaseMeasurement }
  | { ok: false; error: string };

/** Runs one case in this process and sends its measurement to the runner over IPC. */
async function measure(bench: BenchCase, dataDir: string): Promise<CaseMeasurement> {
  const session = await bench.setup(dataDir);
  try {
    if (bench.report === 'rate' && !session.work)
      throw new Error(`case ${bench.name} reports a rate but its setup declared no work count`);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    const peakReset = resetPeakRss();
    const samplesMs: number[] = [];
    for (let i = 0; i < bench.warmup + bench.iterations; i++) {
      await session.before?.(i);
      const started = performance.now();
      await session.run(i);
      const elapsed = performance.now() - started;
      if (i >= bench.warmup) samplesMs.push(elapsed);
    }
    const peak = peakRssBytes();
    // Without a resettable high-water mark, the peak may predate the runs; report no growth rather than guess.
    const peakRssDeltaMb = peakReset ? Math.max(0, peak - rssBefore) / MiB : 0;
    const note = await session.note?.();
    collectGarbage();
    const retainedHeapDeltaMb = (process.memoryUsage().heapUsed - heapBefore) / MiB;
    const medianMs = median(samplesMs);
    const work = session.work;
    return {
      name: bench.name,
      report: bench.report,
      samplesMs,
      medianMs,
      ...(work ? { rate: work.count / (medianMs / 1000), unit: `${work.unit}/s` } : {}),
      peakRssDeltaMb,
      retainedHeapDeltaMb,
      ...(note ? { note } : {}),
    };
  } finally {
    await session.teardown?.();
  }
}

async function reply(
  comparison: ComparisonCase | undefined,
  bench: BenchCase | undefined,
  dataDir: string,
): Promise<ChildReply> {
  if (comparison) return { ok: true, comparison: await comparison.measure(dataDir) };
  return { ok: true, measurement: await measure(bench!, dataDir) };
}

const [name, dataDir] = process.argv.slice(2);
const comparison = COMPARISON_CASES.find((c) => c.name === name);
const bench = ALL_CASES.find((c) => c.name === name);
if ((!comparison && !bench) || !dataDir || !process.send) {
  console.error(`bench/child.ts <case> <dataDir> is started by bench/run.ts; unknown case ${String(name)}`);
  process.exit(2);
}
try {
  const message = await reply(comparison, bench, dataDir);
  process.send(message, () => process.exit(0));
} catch (err) {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.send({ ok: false, error: message } satisfies ChildReply, () => process.exit(1));
}
