import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../src/errors.js';
import { backoffDelay, withRetry } from '../../../src/sinks/clickhouse/retry.js';

const policy = (sleeps: number[]) => ({
  attempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 300,
  sleep: async (ms: number) => void sleeps.push(ms),
});

describe('withRetry', () => {
  it('retries retryable failures with capped exponential backoff, then succeeds', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const out = await withRetry(policy(sleeps), async (attempt) => {
      calls++;
      if (attempt < 4) throw new RetryableError('down');
      return 'ok';
    });
    expect(out).toBe('ok');
    expect(calls).toBe(4);
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => {
      const cap = Math.min(300, 100 * 2 ** i);
      expect(ms).toBeGreaterThanOrEqual(cap / 2);
      expect(ms).toBeLessThanOrEqual(cap);
    });
  });

  it('stops at the first permanent failure', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    await expect(
      withRetry(policy(sleeps), async () => {
        calls++;
        throw new PermanentError('bad row');
      }),
    ).rejects.toThrow('bad row');
    expect(calls).toBe(1);
  });

  it('gives up after the last try with the retryable error', async () => {
    await expect(
      withRetry(policy([]), async () => Promise.reject(new RetryableError('still down'))),
    ).rejects.toBeInstanceOf(RetryableError);
  });

  it('never waits longer than the cap', () => {
    expect(backoffDelay({ attempts: 9, baseDelayMs: 100, maxDelayMs: 300 }, 8, () => 1)).toBe(300);
  });
});
