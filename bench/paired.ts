import { median } from './stats.js';

export interface PairedRuns {
  warmup: number;
  iterations: number;
  /** Untimed preparation before each run of either side, e.g. queueing the job the figure's run builds. */
  before?(side: 'figure' | 'baseline', run: number): Promise<void> | void;
  figure(run: number): Promise<unknown>;
  baseline(run: number): Promise<unknown>;
}

export interface PairedTimes {
  figureMs: number[];
  baselineMs: number[];
  figureMedianMs: number;
  baselineMedianMs: number;
}

/**
 * Times the figure and its baseline in alternating pairs, the order swapped every pair (figure first, then
 * baseline first), so that warm caches, background merges and drifting machine load fall on both sides alike.
 */
export async function timePairs(p: PairedRuns): Promise<PairedTimes> {
  const figureMs: number[] = [];
  const baselineMs: number[] = [];
  const timed = async (side: 'figure' | 'baseline', run: number, into: number[] | undefined) => {
    await p.before?.(side, run);
    const started = performance.now();
    await (side === 'figure' ? p.figure(run) : p.baseline(run));
    into?.push(performance.now() - started);
  };
  for (let i = 0; i < p.warmup + p.iterations; i++) {
    const keep = i >= p.warmup;
    const order: Array<'figure' | 'baseline'> = i % 2 === 0 ? ['figure', 'baseline'] : ['baseline', 'figure'];
    for (const side of order)
      await timed(side, i, keep ? (side === 'figure' ? figureMs : baselineMs) : undefined);
  }
  return {
    figureMs,
    baselineMs,
    figureMedianMs: median(figureMs),
    baselineMedianMs: median(baselineMs),
  };
}
