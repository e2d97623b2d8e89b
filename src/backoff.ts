/**
 * Exponential backoff with a cap and full jitter (the delay is uniform in [0, min(cap, base·2^attempt)]),
 * so many consumers retrying the same broken store do not retry in lockstep.
 */

export interface BackoffPolicy {
  /** Upper bound of the first delay, in ms. */
  initialMs: number;
  /** No delay exceeds this, in ms. */
  maxMs: number;
  /** Growth per attempt; 2 doubles the bound each time. */
  multiplier: number;
  /** Attempts in total, the first included; unset means retry until it succeeds or is aborted. */
  maxAttempts?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, multiplier: 2 };

/** The delay before retry number `attempt` (1 = the first retry). `random` returns [0, 1). */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const bound = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** exponent);
  return Math.floor(random() * bound);
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface RetryOptions {
  /** Which failures are worth another attempt; the others are rethrown at once. */
  isRetryable: (err: unknown) => boolean;
  /** Called before each wait, so every retry can be logged with its attempt number and delay. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Aborting stops the retries: the pending wait rejects with the signal's reason. */
  signal?: AbortSignal;
  random?: () => number;
  sleep?: Sleep;
}

/** Runs `fn` until it succeeds, fails permanently, exhausts `maxAttempts`, or the signal aborts. */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: BackoffPolicy,
  options: RetryOptions,
): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      const exhausted = policy.maxAttempts !== undefined && attempt >= policy.maxAttempts;
      if (exhausted || !options.isRetryable(err) || options.signal?.aborted) throw err;
      const delay = backoffDelay(policy, attempt, options.random);
      options.onRetry?.(err, attempt, delay);
      await wait(delay, options.signal);
    }
  }
}
