/**
 * The two kinds of failure every layer distinguishes. A retryable failure (network, 5xx, timeout,
 * a store that is briefly down) is retried with backoff and nothing is committed meanwhile; a permanent
 * one (bad framing, unknown schema, invalid key, a course the LMS says does not exist) is dead-lettered.
 */
export class RetryableError extends Error {
  override name = 'RetryableError';
  readonly retryable = true as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class PermanentError extends Error {
  override name = 'PermanentError';
  readonly retryable = false as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Anything not known to be permanent is treated as retryable: losing an event is worse than retrying. */
export function isRetryable(err: unknown): boolean {
  return !(err instanceof PermanentError);
}

/** The configuration cannot work (a variable missing, malformed or inconsistent); the CLI exits with 2. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
