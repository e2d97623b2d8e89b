import type { LogMethods } from '../../log.js';

/** The client only warns (retries) and debugs (requests). */
export type LmsLog = Pick<LogMethods, 'warn' | 'debug'>;
import pLimit, { type LimitFunction } from 'p-limit';
import { backoffDelay, parseRetryAfter, type RetryPolicy } from './backoff.js';
import {
  errorForStatus,
  LmsPermanentError,
  LmsRetryableError,
  LmsThrottledError,
  type LmsErrorContext,
} from './errors.js';

export interface TransportOptions {
  timeoutMs: number;
  /** Requests in flight at once across the whole client; retries wait outside this limit. */
  concurrency: number;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  fetch: typeof fetch;
  logger?: LmsLog;
}

export interface LmsRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  /** Form-encoded body; it may hold the client secret, so it is never logged or copied into errors. */
  body?: string;
  courseKey?: string;
}

export interface LmsResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** A response whose 2xx body went to a reader chunk by chunk (`value`); other bodies are read as text. */
export interface LmsStreamedResponse<T> extends LmsResponse {
  value?: T;
}

/**
 * Consumes a 2xx body chunk by chunk. What it throws is the caller's verdict on the body (malformed, say)
 * and is passed on as it is, never retried; a failure of the connection while reading is retried.
 */
export type BodyReader<T> = (chunks: AsyncIterable<Uint8Array>) => Promise<T>;

/** Marks an error thrown by a BodyReader, so that it is not mistaken for a network failure. */
class ReaderFailure {
  constructor(readonly error: unknown) {}
}

const RETRYABLE_STATUS = (status: number) => status === 429 || status >= 500;

/**
 * One HTTP exchange with the LMS, retried on what may heal by itself (network errors, timeouts, 5xx,
 * 429) and returned as-is otherwise, so callers decide what a 4xx means for them.
 */
export class LmsTransport {
  private readonly limit: LimitFunction;

  constructor(private readonly opts: TransportOptions) {
    this.limit = pLimit(opts.concurrency);
  }

  async send(req: LmsRequest): Promise<LmsResponse> {
    return this.sendWith(req);
  }

  /**
   * The same exchange, a 2xx body handed to `read` as it arrives instead of being held whole: a
   * connection lost mid-body is retried like any network error, with a fresh reader.
   */
  async sendStreaming<T>(req: LmsRequest, read: BodyReader<T>): Promise<LmsStreamedResponse<T>> {
    return this.sendWith(req, read);
  }

  private async sendWith<T>(req: LmsRequest, read?: BodyReader<T>): Promise<LmsStreamedResponse<T>> {
    const ctx: LmsErrorContext = { method: req.method, path: req.url.pathname, courseKey: req.courseKey };
    const { retry } = this.opts;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= retry.maxAttempts;
      let failure: LmsRetryableError;
      let delay: number | undefined;
      try {
        const res = await this.limit(() => this.once(req, read));
        if (!RETRYABLE_STATUS(res.status)) return res;
        const statusCtx = { ...ctx, status: res.status };
        if (res.status === 429) {
          const retryAfter = parseRetryAfter(res.headers.get('retry-after'), this.opts.now());
          if (retryAfter !== undefined && retryAfter > retry.maxRetryAfterMs) {
            throw new LmsThrottledError(statusCtx, retryAfter);
          }
          failure = new LmsThrottledError(statusCtx, retryAfter);
          delay = retryAfter;
        } else {
          failure = errorForStatus(statusCtx, res.body) as LmsRetryableError;
        }
      } catch (err) {
        if (err instanceof ReaderFailure) throw err.error;
        if (err instanceof LmsThrottledError || err instanceof LmsPermanentError) throw err;
        failure = this.networkError(ctx, err);
      }
      if (last) throw failure;
      delay ??= backoffDelay(attempt - 1, retry, this.opts.random);
      this.opts.logger?.warn(
        {
          method: ctx.method,
          path: ctx.path,
          courseKey: ctx.courseKey,
          status: failure.status,
          attempt,
          delayMs: delay,
        },
        `LMS request failed, retrying: ${failure.message}`,
      );
      await this.opts.sleep(delay);
    }
  }

  private async once<T>(req: LmsRequest, read?: BodyReader<T>): Promise<LmsStreamedResponse<T>> {
    // The timeout covers reading the body too, since a stalled body is as stuck as a stalled connection.
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    const res = await this.opts.fetch(req.url, {
      method: req.method,
      headers: { accept: 'application/json', ...req.headers },
      body: req.body,
      signal,
      // A redirect means LMS_BASE_URL is wrong (http vs https, Studio, a login page); following it could
      // carry the token elsewhere.
      redirect: 'manual',
    });
    if (read && res.ok && res.body) {
      const value = await read(readerChunks(res.body)).catch((err: unknown) => {
        throw err instanceof NetworkFailure ? err.error : new ReaderFailure(err);
      });
      return { status: res.status, headers: res.headers, body: '', value };
    }
    const body = await res.text();
    if (res.status >= 300 && res.status < 400) {
      const to = res.headers.get('location');
      const where = to && URL.canParse(to, req.url.href) ? new URL(to, req.url) : undefined;
      throw new LmsPermanentError(
        { method: req.method, path: req.url.pathname, courseKey: req.courseKey, status: res.status },
        `LMS redirected to ${where ? where.origin + where.pathname : 'another location'}`,
        'set LMS_BASE_URL to the URL the LMS serves its API on (scheme and host included)',
      );
    }
    return { status: res.status, headers: res.headers, body };
  }

  private networkError(ctx: LmsErrorContext, err: unknown): LmsRetryableError {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new LmsRetryableError(
        ctx,
        `LMS did not answer within ${this.opts.timeoutMs} ms`,
        'check the LMS load, or raise LMS_TIMEOUT_MS for very large courses',
        { cause: err },
      );
    }
    const code = errorCode(err);
    return new LmsRetryableError(
      ctx,
      `could not reach the LMS${code ? ` (${code})` : ''}`,
      'check LMS_BASE_URL and that the LMS is up and reachable from this host',
      { cause: err },
    );
  }
}

/** Marks a failure of the body's stream itself (reset, timeout) as it passes through a BodyReader. */
class NetworkFailure {
  constructor(readonly error: unknown) {}
}

async function* readerChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (err) {
        throw new NetworkFailure(err);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A reader that gave up early (a malformed body) must not leave the connection half read.
    await reader.cancel().catch(() => undefined);
  }
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
