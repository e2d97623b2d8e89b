import type { CaseMeasurement } from './case.js';

/** What baselines.json holds for one case: the figure it was recorded at, in the case's own unit. */
export interface Baseline {
  figure: number;
  unit: string;
  peakRssDeltaMb: number;
}

export interface BaselineFile {
  /** Where the figures were measured; a much slower machine needs its own baselines (`--save-baselines`). */
  machine: string;
  /** How the figures were taken, e.g. how loaded the machine was. */
  note?: string;
  recordedAt: string;
  /** A run fails only when it is this much slower than its baseline (0.5 = 50%). */
  tolerance: number;
  /** Peak memory may grow by tolerance × baseline plus this many MiB before it fails: small peaks are noisy. */
  memorySlackMb: number;
  cases: Record<string, Baseline>;
}

export interface Verdict {
  ok: boolean;
  text: string;
}

/** The figure a case is judged by: its rate when it reports one, else its median milliseconds. */
export function figureOf(m: CaseMeasurement): { value: number; unit: string } {
  if (m.report === 'rate' && m.rate !== undefined) return { value: m.rate, unit: m.unit ?? 'ops/s' };
  return { value: m.medianMs, unit: 'ms' };
}

/**
 * How much longer the work took than at baseline, as a fraction: 0.2 means 20% slower. Rates and
 * durations are both turned into time per unit so that "slower by X%" means the same thing for both.
 */
export function slowdown(m: CaseMeasurement, baseline: Baseline): number {
  const { value } = figureOf(m);
  return m.report === 'rate' ? baseline.figure / value - 1 : value / baseline.figure - 1;
}

export function verdict(m: CaseMeasurement, file: BaselineFile | undefined): Verdict {
  const baseline = file?.cases[m.name];
  if (!file || !baseline) return { ok: true, text: 'no baseline' };
  const problems: string[] = [];
  const slower = slowdown(m, baseline);
  if (slower > file.tolerance) problems.push(`slower than baseline by ${percent(slower)}`);
  const memoryLimit = baseline.peakRssDeltaMb * (1 + file.tolerance) + file.memorySlackMb;
  if (m.peakRssDeltaMb > memoryLimit)
    problems.push(`peak RSS +${m.peakRssDeltaMb.toFixed(0)} MiB (limit ${memoryLimit.toFixed(0)})`);
  if (problems.length > 0) return { ok: false, text: problems.join('; ') };
  if (slower > 0.1) return { ok: true, text: `ok (${percent(slower)} slower)` };
  if (slower < -0.1) return { ok: true, text: `ok (${percent(-slower)} faster)` };
  return { ok: true, text: 'ok' };
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

export function baselineOf(m: CaseMeasurement): Baseline {
  const { value, unit } = figureOf(m);
  return { figure: roundFigure(value), unit, peakRssDeltaMb: Math.round(m.peakRssDeltaMb) };
}

/** Three significant digits: baselines are coarse by nature. */
export function roundFigure(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
