import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from '../../errors.js';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected by tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<unknown>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 5_000 };

/** Delay before try `attempt + 1`: doubling from the base, capped, with up to 50% jitter so pods do not retry in step. */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(capped * (0.5 + random() * 0.5));
}

/**
 * Runs fn until it succeeds, a permanent error occurs, or the tries run out (the last error is then
 * rethrown as it is, still retryable, for the caller's own retry budget to decide). fn gets the
 * 1-based try number so it can check for the effects of an earlier try that timed out.
 */
export async function withRetry<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>): Promise<T> {
  const wait = policy.sleep ?? ((ms: number) => sleep(ms));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || attempt >= policy.attempts) throw err;
      await wait(backoffDelay(policy, attempt));
    }
  }
}
