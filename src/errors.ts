/**
 * The two kinds of failure every layer distinguishes. A retryable failure (network, 5xx, timeout,
 * a store that is briefly down) is retried with backoff and nothing is committed meanwhile; a permanent
 * one (bad framing, unknown schema, invalid key, a course the LMS says does not exist) is dead-lettered.
 */
export class RetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Every subclass is named after itself in logs and dead letters without restating its name.
    this.name = new.target.name;
  }
}

export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The deployment, not the course, is wrong: credentials refused, a grant, database or table missing.
 * Every course would fail alike, so it is retried without a per-course budget (nothing is parked for
 * it) and reported as not-ready until an operator fixes it.
 */
export class MisconfigurationError extends RetryableError {
  readonly misconfiguration = true as const;
}

/** The MisconfigurationError `err` is or wraps, if any: its message says what the operator must fix. */
export function findMisconfiguration(err: unknown): MisconfigurationError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof MisconfigurationError) return e;
  }
  return undefined;
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
