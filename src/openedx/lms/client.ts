import type { z } from 'zod';
import {
  BlocksResponseSchema,
  CourseDetailSchema,
  PaginatedSchema,
  type BlocksResponse,
  type CourseDetail,
  type CourseSnapshot,
} from '../api-types.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import { errorForStatus, LmsMalformedResponseError, LmsPermanentError } from './errors.js';
import { TokenSource } from './oauth.js';
import { LmsTransport, type LmsLogger } from './transport.js';

export interface LmsClientOptions {
  /** The LMS root, e.g. `https://lms.example.com` (LMS_BASE_URL). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  expiryMarginMs?: number;
  logger?: LmsLogger;
  /** Injected by tests so backoff and token expiry need no real waiting. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  fetch?: typeof fetch;
}

export interface ListCoursesOptions {
  org?: string;
  /** Only these courses; an empty list lists nothing. */
  courseKeys?: string[];
  pageSize?: number;
}

const BLOCKS_PATH = '/api/courses/v2/blocks/';
const COURSES_PATH = '/api/courses/v1/courses/';
/**
 * `student_view_data` is not listed: the LMS adds it to the requested fields itself when the
 * `student_view_data` parameter names block types, and only those types get it.
 */
const REQUESTED_FIELDS = [
  'children',
  'graded',
  'format',
  'display_name',
  'type',
  'due',
  'start',
  'visible_to_staff_only',
  'has_score',
  'weight',
].join(',');
const MAX_PAGE_SIZE = 100;
/** Keys per list request, so the query string stays well under common proxy limits. */
const KEYS_PER_REQUEST = 50;

const CoursePageSchema = PaginatedSchema(CourseDetailSchema);

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads courses from the Open edX LMS REST APIs as the OAuth client's (staff) service user. */
export class LmsClient {
  private readonly base: URL;
  private readonly transport: LmsTransport;
  private readonly tokens: TokenSource;

  constructor(opts: LmsClientOptions) {
    this.base = new URL(opts.baseUrl.replace(/\/+$/, '') + '/');
    const now = opts.now ?? Date.now;
    this.transport = new LmsTransport({
      timeoutMs: opts.timeoutMs ?? 30_000,
      concurrency: opts.concurrency ?? 8,
      retry: { ...DEFAULT_RETRY_POLICY, ...opts.retry },
      sleep: opts.sleep ?? sleepFor,
      random: opts.random ?? Math.random,
      now,
      fetch: opts.fetch ?? globalThis.fetch,
      logger: opts.logger,
    });
    this.tokens = new TokenSource({
      baseUrl: this.base.href.replace(/\/$/, ''),
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      transport: this.transport,
      now,
      expiryMarginMs: opts.expiryMarginMs,
    });
  }

  /** The whole course tree as staff sees it (`all_blocks`), in `dict` form. */
  async getBlocks(courseKey: string): Promise<BlocksResponse> {
    const url = this.url(BLOCKS_PATH);
    url.searchParams.set('course_id', courseKey);
    url.searchParams.set('all_blocks', 'true');
    url.searchParams.set('depth', 'all');
    url.searchParams.set('return_type', 'dict');
    url.searchParams.set('requested_fields', REQUESTED_FIELDS);
    url.searchParams.set('student_view_data', 'video');
    return this.getJson(url, BlocksResponseSchema, courseKey);
  }

  /** Course detail; `username` makes the LMS answer for the service user rather than anonymously. */
  async getCourse(courseKey: string): Promise<CourseDetail> {
    const url = this.url(`${COURSES_PATH}${encodeURIComponent(courseKey)}/`);
    const { username } = await this.tokens.get();
    if (username) url.searchParams.set('username', username);
    return this.getJson(url, CourseDetailSchema, courseKey);
  }

  async getSnapshot(courseKey: string): Promise<CourseSnapshot> {
    const [detail, blocks] = await Promise.all([this.getCourse(courseKey), this.getBlocks(courseKey)]);
    return { courseKey, detail, blocks, source: 'lms' };
  }

  /** Every course the service user can see, following the LMS's `pagination.next` links. */
  async *listCourses(opts: ListCoursesOptions = {}): AsyncGenerator<CourseDetail> {
    const pageSize = Math.min(Math.max(1, Math.floor(opts.pageSize ?? MAX_PAGE_SIZE)), MAX_PAGE_SIZE);
    const batches = opts.courseKeys ? chunks(opts.courseKeys, KEYS_PER_REQUEST) : [undefined];
    const { username } = await this.tokens.get();
    for (const keys of batches) {
      let url: URL | undefined = this.url(COURSES_PATH);
      url.searchParams.set('page_size', String(pageSize));
      if (username) url.searchParams.set('username', username);
      if (opts.org) url.searchParams.set('org', opts.org);
      for (const key of keys ?? []) url.searchParams.append('course_keys', key);
      while (url) {
        const page: z.infer<typeof CoursePageSchema> = await this.getJson(url, CoursePageSchema);
        yield* page.results;
        url = page.pagination.next ? this.nextPage(page.pagination.next, url) : undefined;
      }
    }
  }

  private url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base);
  }

  /**
   * The LMS builds `next` from the host it believes it serves, which behind a TLS-terminating proxy
   * often says http: the scheme is taken from LMS_BASE_URL, but another host is never followed, since
   * the token would go with the request.
   */
  private nextPage(next: string, current: URL): URL {
    const target = new URL(next, current);
    if (target.host !== this.base.host) {
      throw new LmsPermanentError(
        { method: 'GET', path: current.pathname },
        `LMS pagination points at another host (${target.host})`,
        "set LMS_BASE_URL to the host the LMS calls itself, or fix the LMS's site/host settings",
      );
    }
    target.protocol = this.base.protocol;
    return target;
  }

  private async getJson<S extends z.ZodType>(url: URL, schema: S, courseKey?: string): Promise<z.infer<S>> {
    let token = await this.tokens.get();
    const send = () =>
      this.transport.send({
        method: 'GET',
        url,
        headers: { authorization: `JWT ${token.value}` },
        courseKey,
      });
    let res = await send();
    if (res.status === 401) {
      // JWTs cannot be revoked, but the LMS may have rotated its signing key or a clock drifted: one fresh
      // token settles which.
      this.tokens.invalidate(token);
      token = await this.tokens.get();
      res = await send();
    }
    const ctx = { method: 'GET', path: url.pathname, courseKey, status: res.status };
    if (res.status < 200 || res.status >= 300) throw errorForStatus(ctx, res.body, token.username);
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new LmsMalformedResponseError(
        ctx,
        `LMS answered ${res.status} with a body that is not JSON`,
        'check that LMS_BASE_URL points at the LMS and not at a proxy or login page',
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
      throw new LmsMalformedResponseError(
        ctx,
        `LMS response does not match the expected shape at ${where}: ${issue?.message ?? 'invalid'}`,
        'check the LMS version and any plugin that alters this API; this will not succeed on retry',
      );
    }
    return parsed.data;
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
