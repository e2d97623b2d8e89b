import type { Logger } from 'pino';
import { retry, type BackoffPolicy } from '../backoff.js';
import { isRetryable } from '../errors.js';
import type { RetryRunner } from '../sync/course-sync.js';

/**
 * Short in-sync retries ride out a blip in one store without redoing the others; a longer outage
 * escapes as a RetryableError and the caller's own, unbounded, retry (the coalescer, or a command's
 * budget) takes over without acknowledging anything.
 */
export const IN_SYNC_RETRY: BackoffPolicy = { initialMs: 500, maxMs: 5_000, multiplier: 2, maxAttempts: 4 };

export function createRetryRunner(
  logger: Logger,
  policy: BackoffPolicy = IN_SYNC_RETRY,
  signal?: AbortSignal,
): RetryRunner {
  return (what, fn) =>
    retry(() => fn(), policy, {
      isRetryable,
      signal,
      onRetry: (err, attempt, delayMs) =>
        logger.warn({ err, store: what, attempt, retry_in_ms: delayMs }, `${what} failed, retrying`),
    });
}
