import { PermanentError, RetryableError } from '../../errors.js';
import { hashUsername } from '../username.js';

/** What every LMS failure carries, so logs and the dead-letter reason can name the request. */
export interface LmsErrorContext {
  method: string;
  /** The URL path only: queries and bodies are never copied into errors. */
  path: string;
  courseKey?: string;
  status?: number;
}

function describe(ctx: LmsErrorContext): string {
  const course = ctx.courseKey ? ` for course ${ctx.courseKey}` : '';
  return `${ctx.method} ${readablePath(ctx.path)}${course}`;
}

/** Course keys in paths are percent-encoded on the wire; operators search logs for the key as written. */
function readablePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Every LMS error reads "<problem> on <request>: <what to do>"; of the request, callers only branch on the
 * course and the status, so those two are kept as fields.
 */
function lmsErrorMessage(ctx: LmsErrorContext, problem: string, action: string): string {
  return `${problem} on ${describe(ctx)}: ${action}`;
}

/** The LMS may answer correctly later: network trouble, timeouts, 5xx, throttling. */
export class LmsRetryableError extends RetryableError {
  readonly courseKey?: string;
  readonly status?: number;
  constructor(ctx: LmsErrorContext, problem: string, action: string, options?: { cause?: unknown }) {
    super(lmsErrorMessage(ctx, problem, action), options);
    ({ courseKey: this.courseKey, status: this.status } = ctx);
  }
}

/** The LMS asked us to slow down for longer than we are willing to hold a request open. */
export class LmsThrottledError extends LmsRetryableError {
  constructor(
    ctx: LmsErrorContext,
    readonly retryAfterMs: number | undefined,
  ) {
    super(
      ctx,
      `LMS throttled the request (429${retryAfterMs === undefined ? '' : `, retry after ${Math.ceil(retryAfterMs / 1000)}s`})`,
      "make the OAuth client's user staff so the LMS applies its service-user rate, or lower SYNC_CONCURRENCY",
    );
  }
}

/** Asking again will get the same answer: 4xx other than 429, or a body that is not what the API returns. */
export class LmsPermanentError extends PermanentError {
  readonly courseKey?: string;
  readonly status?: number;
  constructor(ctx: LmsErrorContext, problem: string, action: string, options?: { cause?: unknown }) {
    super(lmsErrorMessage(ctx, problem, action), options);
    ({ courseKey: this.courseKey, status: this.status } = ctx);
  }
}

/**
 * Credentials or permissions are wrong. Permanent for this request, but it affects every course alike,
 * so callers may prefer to stop rather than dead-letter each event.
 */
export class LmsAuthError extends LmsPermanentError {}

/** The LMS says the course does not exist (or is invisible to the service user). */
export class LmsCourseNotFoundError extends LmsPermanentError {}

/** A 200 whose body is not JSON or does not match the API's shape. */
export class LmsMalformedResponseError extends LmsPermanentError {}

export type LmsError = LmsRetryableError | LmsPermanentError;

/**
 * The LMS's own words from an error body: DeveloperErrorViewMixin's `developer_message` (and its
 * `field_errors`), DRF's `detail`, or OAuth's `error`/`error_description`. Trimmed so a stray HTML page
 * cannot flood a log line.
 */
export function lmsMessage(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 200);
  }
  const found: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') found.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of ['developer_message', 'detail', 'error_description', 'error']) if (k in o) visit(o[k]);
      if (o.field_errors && typeof o.field_errors === 'object') {
        for (const [field, err] of Object.entries(o.field_errors)) {
          const before = found.length;
          visit(err);
          if (found.length > before) found[before] = `${field}: ${found[before]}`;
        }
      }
    }
  };
  visit(parsed);
  return (found.length > 0 ? found.join('; ') : body).slice(0, 200);
}

function isJsonBody(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/** Turns a final non-2xx answer into the error that tells the operator what to do. */
export function errorForStatus(
  ctx: LmsErrorContext & { status: number },
  body: string,
  username?: string,
): LmsError {
  const said = lmsMessage(body);
  const what = `LMS answered ${ctx.status}${said ? ` (${said})` : ''}`;
  // Usernames never reach logs or messages in clear: the anonymized form still lets an operator match it.
  const user = username ? ` (user ${hashUsername(username)})` : '';
  switch (true) {
    case ctx.status === 401:
      return new LmsAuthError(
        ctx,
        what,
        'the LMS rejected a freshly issued JWT; check that the OAuth application is enabled and that the LMS JWT_AUTH settings accept tokens it issues',
      );
    case ctx.status === 403:
      return new LmsAuthError(
        ctx,
        what,
        `the OAuth client's user${user} must be global staff (or staff on this course) to read all blocks and non-public courses`,
      );
    // Django's HTML "Page not found" means the route itself is missing: LMS_BASE_URL is wrong, which
    // every course would hit alike, so it waits for the operator rather than condemning the course.
    case ctx.status === 404 && !isJsonBody(body):
      return new LmsRetryableError(
        ctx,
        what,
        'the LMS has no such endpoint; LMS_BASE_URL must be the LMS root (not Studio, not a sub-path); the sync will retry',
      );
    case ctx.status === 404 && ctx.courseKey !== undefined:
      return new LmsCourseNotFoundError(
        ctx,
        `course ${ctx.courseKey} does not exist on the LMS (${ctx.status}${said ? `: ${said}` : ''})`,
        'check the course key; if the course was deleted, the event can be discarded',
      );
    case ctx.status === 429:
      return new LmsThrottledError(ctx, undefined);
    case ctx.status >= 500:
      return new LmsRetryableError(
        ctx,
        what,
        'the LMS is failing; check its health and logs, the sync will retry',
      );
    default:
      return new LmsPermanentError(
        ctx,
        what,
        'the request was refused as invalid; check the course key and LMS_BASE_URL (it must be the LMS root, not Studio)',
      );
  }
}
