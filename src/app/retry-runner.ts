import type { Logger } from '../log.js';
import { retry, type BackoffPolicy } from '../backoff.js';
import { isRetryable } from '../errors.js';
import type { RetryRunner } from '../sync/course-sync.js';

/**
 * Each failure has one owner of its retries, so attempts multiply nowhere: the LMS transport retries its
 * HTTP requests and the ClickHouse writer its inserts (each with its own short budget), this runner
 * retries Postgres and export-queue calls, which have no retry of their own, and the coalescer (or a
 * command) owns the per-course budget across whole syncs. What escapes here is a RetryableError for that
 * outer budget to decide on.
 */
export const IN_SYNC_RETRY: BackoffPolicy = { initialMs: 500, maxMs: 5_000, multiplier: 2, maxAttempts: 4 };

/** Steps whose adapters retry on their own; the runner calls them once. */
const RETRIED_BY_THEIR_ADAPTER = new Set(['lms', 'clickhouse']);

export function createRetryRunner(
  logger: Logger,
  policy: BackoffPolicy = IN_SYNC_RETRY,
  signal?: AbortSignal,
): RetryRunner {
  return (what, fn) =>
    RETRIED_BY_THEIR_ADAPTER.has(what)
      ? fn()
      : retry(() => fn(), policy, {
          isRetryable,
          signal,
          onRetry: (err, attempt, delayMs) =>
            logger.warn({ err, store: what, attempt, retry_in_ms: delayMs }, `${what} failed, retrying`),
        });
}
