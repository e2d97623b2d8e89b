/**
 * A target row: one figure measured side by side with its baseline in the same process and the same run,
 * so that machine speed and load weigh on both alike, and judged against a product target.
 */

/** What the figure must achieve. `ratio` compares costs, so below 1 means cheaper than the baseline. */
export type Target =
  | { kind: 'ratio-at-most'; limit: number }
  | { kind: 'figure-at-least'; limit: number }
  | { kind: 'figure-at-most'; limit: number }
  | { kind: 'equals-baseline' }
  /** No target was set: the row reports its ratio. */
  | { kind: 'report' };

export interface ComparisonCase {
  /** Stable id used by `--only`, e.g. `sync.lms-to-clickhouse.10k`. */
  name: string;
  description: string;
  target: Target;
  /** How long its process may take; the runner's default otherwise. */
  timeoutMs?: () => number;
  /** Runs the figure and its baseline in this process, in `dataDir`, a fresh directory removed afterwards. */
  measure(dataDir: string): Promise<ComparisonMeasurement>;
}

/** One side of a row: its value in `unit`, how it is printed, and the samples behind it. */
export interface Side {
  value: number;
  unit: string;
  /** Printed in the table instead of value and unit when given, e.g. `1 sync in 62 ms`. */
  display?: string;
  samples?: number[];
}

export interface ComparisonMeasurement {
  name: string;
  figure: Side;
  baseline: Side;
  /** The figure's cost over the baseline's: time or memory over time or memory, or baseline rate over figure rate. */
  ratio: number;
  /** Whatever else was measured (breakdowns, environment), kept in results.json. */
  details?: Record<string, unknown>;
  note?: string;
}

export function targetText(target: Target, unit: string): string {
  switch (target.kind) {
    case 'ratio-at-most':
      return `≤ ${target.limit}× baseline`;
    case 'figure-at-least':
      return `≥ ${target.limit.toLocaleString('en-US')} ${unit}`;
    case 'figure-at-most':
      return `≤ ${target.limit.toLocaleString('en-US')} ${unit}`;
    case 'equals-baseline':
      return '= baseline';
    case 'report':
      return 'reported';
  }
}

/** True when the target is met, undefined when the row has no target. */
export function meetsTarget(target: Target, m: ComparisonMeasurement): boolean | undefined {
  switch (target.kind) {
    case 'ratio-at-most':
      return m.ratio <= target.limit;
    case 'figure-at-least':
      return m.figure.value >= target.limit;
    case 'figure-at-most':
      return m.figure.value <= target.limit;
    case 'equals-baseline':
      return m.figure.value === m.baseline.value;
    case 'report':
      return undefined;
  }
}
