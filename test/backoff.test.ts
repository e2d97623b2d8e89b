import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, retry, sleep, type BackoffPolicy } from '../src/backoff.js';
import { PermanentError, RetryableError, isRetryable } from '../src/errors.js';

const policy: BackoffPolicy = { initialMs: 100, maxMs: 1_000, multiplier: 2 };
const noSleep = () => Promise.resolve();

describe('backoffDelay', () => {
  it('grows the upper bound exponentially per attempt', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4].map((a) => backoffDelay(policy, a, top))).toEqual([99, 199, 399, 799]);
  });

  it('never exceeds the cap, however many attempts failed', () => {
    expect(backoffDelay(policy, 50, () => 0.999_999)).toBe(999);
    expect(backoffDelay(policy, 10_000, () => 0.999_999)).toBe(999);
  });

  it('draws the delay uniformly from zero to the bound (full jitter)', () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(200);
  });
});

describe('retry', () => {
  it('retries retryable failures until the call succeeds, reporting each retry', async () => {
    const fn = vi.fn<(attempt: number) => Promise<string>>();
    fn.mockRejectedValueOnce(new RetryableError('503'))
      .mockRejectedValueOnce(new RetryableError('timeout'))
      .mockResolvedValue('ok');
    const onRetry = vi.fn();
    const waits: number[] = [];
    const result = await retry(fn, policy, {
      isRetryable,
      onRetry,
      random: () => 0.5,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    expect(result).toBe('ok');
    expect(fn.mock.calls.map((c) => c[0])).toEqual([1, 2, 3]);
    expect(onRetry.mock.calls.map((c) => [c[1], c[2]])).toEqual([
      [1, 50],
      [2, 100],
    ]);
    expect(waits).toEqual([50, 100]);
  });

  it('rethrows a permanent failure without retrying', async () => {
    const fn = vi.fn().mockRejectedValue(new PermanentError('bad schema'));
    await expect(retry(fn, policy, { isRetryable, sleep: noSleep })).rejects.toThrow('bad schema');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const fn = vi.fn().mockRejectedValueOnce(new Error('first')).mockRejectedValue(new Error('last'));
    await expect(retry(fn, { ...policy, maxAttempts: 3 }, { isRetryable, sleep: noSleep })).rejects.toThrow(
      'last',
    );
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const fn = vi.fn().mockRejectedValue(new RetryableError('down'));
    const pending = retry(
      fn,
      { initialMs: 60_000, maxMs: 60_000, multiplier: 1 },
      {
        isRetryable,
        random: () => 0.99,
        signal: controller.signal,
        onRetry: () => controller.abort(new Error('shutting down')),
      },
    );
    await expect(pending).rejects.toThrow('shutting down');
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      const p = sleep(1_000).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await p;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
