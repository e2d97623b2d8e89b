/**
 * What /healthz and /readyz answer: an event-loop stall watch for liveness, and named readiness checks with a
 * timeout each.
 */
import { withDeadline } from '../deadline.js';
import { monitorEventLoopDelay, performance, type ELDHistogram } from 'node:perf_hooks';

export interface EventLoopWatchOptions {
  /** A stall longer than this makes the process unhealthy. */
  thresholdMs?: number;
  /** How often the watch samples the loop. */
  intervalMs?: number;
  /** How long a stall keeps /healthz failing, so a probe that arrives just after it still sees it. */
  rememberMs?: number;
}

export interface EventLoopStatus {
  ok: boolean;
  /** The longest stall seen within `rememberMs` (or the one going on now), in milliseconds. */
  worstDelayMs: number;
  /** p99 of the loop delay over the current sampling interval, in milliseconds. */
  p99DelayMs: number;
}

/**
 * Tells whether the event loop keeps turning. A timer measures its own lateness (drift); a loop
 * blocked by a runaway computation or a synchronous call shows up as a late tick.
 */
export class EventLoopWatch {
  readonly thresholdMs: number;
  private readonly intervalMs: number;
  private readonly rememberMs: number;
  private readonly histogram: ELDHistogram = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | undefined;
  private lastTick = performance.now();
  private worstDelayMs = 0;
  private worstAt = 0;

  constructor(options: EventLoopWatchOptions = {}) {
    this.thresholdMs = options.thresholdMs ?? 10_000;
    this.intervalMs = options.intervalMs ?? 500;
    this.rememberMs = options.rememberMs ?? 30_000;
  }

  start(): void {
    if (this.timer) return;
    this.histogram.enable();
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // The watch must never be what keeps the process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.histogram.disable();
  }

  status(): EventLoopStatus {
    const now = performance.now();
    // The timer itself may not have fired yet after a long block; its current lateness counts too.
    const ongoing = this.timer ? Math.max(0, now - this.lastTick - this.intervalMs) : 0;
    const remembered = now - this.worstAt <= this.rememberMs ? this.worstDelayMs : 0;
    const worst = Math.max(ongoing, remembered);
    const p99 = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    return { ok: worst <= this.thresholdMs, worstDelayMs: round(worst), p99DelayMs: round(p99) };
  }

  private tick(): void {
    const now = performance.now();
    const drift = Math.max(0, now - this.lastTick - this.intervalMs);
    this.lastTick = now;
    if (drift >= this.worstDelayMs || now - this.worstAt > this.rememberMs) {
      this.worstDelayMs = drift;
      this.worstAt = now;
    }
    this.histogram.reset();
  }
}

/** A dependency /readyz asks about, e.g. "kafka" (group joined) or "clickhouse" (answers a query). */
export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable; rejects with a message the operator can act on. */
  run(signal: AbortSignal): Promise<void>;
  timeoutMs?: number;
}

export interface CheckResult {
  ok: boolean;
  error?: string;
  ms: number;
}

export interface ReadinessReport {
  status: 'ready' | 'not ready';
  checks: Record<string, CheckResult>;
}

export class CheckTimeoutError extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`${name} did not answer within ${timeoutMs} ms`);
    this.name = 'CheckTimeoutError';
  }
}

/** Runs every check at once, each bounded by its own timeout; ready only when all of them pass. */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  defaultTimeoutMs = 2_000,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map((check) => runOne(check, check.timeoutMs ?? defaultTimeoutMs)),
  );
  const report: ReadinessReport = { status: 'ready', checks: {} };
  checks.forEach((check, i) => {
    const result = results[i] as CheckResult;
    report.checks[check.name] = result;
    if (!result.ok) report.status = 'not ready';
  });
  return report;
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withDeadline(check.run, timeoutMs, () => new CheckTimeoutError(check.name, timeoutMs));
    return { ok: true, ms: round(performance.now() - started) };
  } catch (err) {
    return {
      ok: false,
      error: err instanceof Error ? err.message : String(err),
      ms: round(performance.now() - started),
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
