import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../src/errors.js';
import { withRetry, type RetryPolicy } from '../../../src/sinks/clickhouse/retry.js';

const policy = (sleeps: number[]): RetryPolicy => ({
  maxAttempts: 4,
  initialMs: 100,
  maxMs: 300,
  multiplier: 2,
  sleep: async (ms: number) => void sleeps.push(ms),
});

describe('withRetry', () => {
  it('retries retryable failures with capped backoff, passing the try number, then succeeds', async () => {
    const sleeps: number[] = [];
    const tries: number[] = [];
    const out = await withRetry(policy(sleeps), async (attempt) => {
      tries.push(attempt);
      if (attempt < 4) throw new RetryableError('down');
      return 'ok';
    });
    expect(out).toBe('ok');
    expect(tries).toEqual([1, 2, 3, 4]);
    expect(sleeps).toHaveLength(3);
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(300);
  });

  it('stops at the first permanent failure', async () => {
    let calls = 0;
    await expect(
      withRetry(policy([]), async () => {
        calls++;
        throw new PermanentError('bad row');
      }),
    ).rejects.toThrow('bad row');
    expect(calls).toBe(1);
  });

  it('gives up after the last try with the retryable error', async () => {
    let calls = 0;
    await expect(
      withRetry(policy([]), async () => {
        calls++;
        throw new RetryableError('still down');
      }),
    ).rejects.toBeInstanceOf(RetryableError);
    expect(calls).toBe(4);
  });
});
