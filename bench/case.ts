/**
 * What a benchmark case is. Each case runs in its own child process (see child.ts), so its memory figures
 * are not polluted by the cases before it and a native engine (chdb, PGlite) is unloaded when it ends.
 */

export interface BenchCase {
  /** Stable id used by `--only` and as the key in baselines.json, e.g. `outline.build.10k`. */
  name: string;
  /** One line shown in the README and `--list`. */
  description: string;
  /** `rate`: units of work per second (higher is better); `ms`: median milliseconds per run (lower is better). */
  report: 'rate' | 'ms';
  warmup: number;
  iterations: number;
  /**
   * Prepares everything the timed runs need (untimed), in `dataDir`, a fresh directory the runner removes
   * after the case.
   */
  setup(dataDir: string): Promise<BenchSession>;
}

export interface BenchSession {
  /** The work one run does, e.g. `{ count: 10_000, unit: 'msgs' }`; required for `report: 'rate'`. */
  work?: { count: number; unit: string };
  /** Untimed preparation before each run (warmup runs included), e.g. queueing the job the run builds. */
  before?(run: number): Promise<void> | void;
  /** The measured work. */
  run(run: number): Promise<unknown> | unknown;
  /** A short fact shown next to the figure once all runs are done, e.g. how many syncs ran. */
  note?(): string | Promise<string>;
  teardown?(): Promise<void> | void;
}

/** What one case measured, as the child reports it to the runner. */
export interface CaseMeasurement {
  name: string;
  report: 'rate' | 'ms';
  samplesMs: number[];
  medianMs: number;
  /** Units of work per second at the median run, when the case declared its work. */
  rate?: number;
  unit?: string;
  /** Growth of the resident set's high-water mark during the runs (warmup included), in MiB. */
  peakRssDeltaMb: number;
  /** Heap still used after the runs and a full GC, compared with before them, in MiB: a leak shows here. */
  retainedHeapDeltaMb: number;
  note?: string;
}
