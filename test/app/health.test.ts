import { afterEach, describe, expect, it } from 'vitest';
import { EventLoopWatch, runReadinessChecks } from '../../src/app/health.js';

function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy-waiting is the point: it is what a stuck event loop looks like.
  }
}

async function pollUntil(condition: () => boolean, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('EventLoopWatch', () => {
  const watches: EventLoopWatch[] = [];
  afterEach(() => watches.splice(0).forEach((w) => w.stop()));

  it('reports ok while the loop turns', () => {
    const watch = new EventLoopWatch({ thresholdMs: 1_000 });
    watches.push(watch);
    watch.start();
    expect(watch.status().ok).toBe(true);
  });

  it('reports a stall beyond the threshold, even before its timer has fired', () => {
    const watch = new EventLoopWatch({ thresholdMs: 100, intervalMs: 20 });
    watches.push(watch);
    watch.start();
    block(250);
    const status = watch.status();
    expect(status.ok).toBe(false);
    expect(status.worstDelayMs).toBeGreaterThan(100);
  });

  it('recovers once the stall is older than rememberMs', async () => {
    const watch = new EventLoopWatch({ thresholdMs: 100, intervalMs: 20, rememberMs: 200 });
    watches.push(watch);
    watch.start();
    block(250);
    expect(watch.status().ok).toBe(false);
    await pollUntil(() => watch.status().ok, 3_000);
    expect(watch.status().worstDelayMs).toBeLessThan(100);
  });

  it('tolerates stalls shorter than the threshold', () => {
    const watch = new EventLoopWatch({ thresholdMs: 500, intervalMs: 20 });
    watches.push(watch);
    watch.start();
    block(100);
    expect(watch.status().ok).toBe(true);
  });
});

describe('runReadinessChecks', () => {
  it('is ready with no checks', async () => {
    expect(await runReadinessChecks([])).toEqual({ status: 'ready', checks: {} });
  });

  it('reports a check that throws synchronously as failed instead of crashing', async () => {
    const report = await runReadinessChecks([
      {
        name: 's3',
        run: () => {
          throw new Error('bucket course-exports does not exist; create it or fix S3_BUCKET');
        },
      },
    ]);
    expect(report.status).toBe('not ready');
    expect(report.checks.s3).toMatchObject({
      ok: false,
      error: 'bucket course-exports does not exist; create it or fix S3_BUCKET',
    });
  });

  it('runs the checks concurrently, so the slowest bounds the total time', async () => {
    const slow = (name: string) => ({
      name,
      run: () => new Promise<void>((resolve) => setTimeout(resolve, 300)),
    });
    const started = Date.now();
    const report = await runReadinessChecks([slow('kafka'), slow('clickhouse'), slow('postgres')], 1_000);
    expect(report.status).toBe('ready');
    expect(Date.now() - started).toBeLessThan(800);
  });
});
