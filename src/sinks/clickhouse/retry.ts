/**
 * Retries one ClickHouse query or insert a few times, inside the sync's own retry of the whole course: a
 * blip costs a fraction of a second, not a re-read of the course.
 */

import { retry, type BackoffPolicy, type Sleep } from '../../backoff.js';
import { isRetryable } from '../../errors.js';

/** How often one insert or query is tried before its error goes up to the sync's own retry. */
export interface RetryPolicy extends BackoffPolicy {
  maxAttempts: number;
  /** Injected by tests; defaults to a real timer. */
  sleep?: Sleep;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 250, maxMs: 5_000, multiplier: 2, maxAttempts: 5 };

/**
 * Runs fn until it succeeds, a permanent error occurs, or the tries run out (the last error is then
 * rethrown as it is, still retryable, for the caller's own retry budget to decide). fn gets the
 * 1-based try number so it can check for the effects of an earlier try that timed out.
 */
export function withRetry<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>): Promise<T> {
  return retry(fn, policy, { isRetryable, sleep: policy.sleep });
}
