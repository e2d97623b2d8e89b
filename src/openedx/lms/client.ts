/** The LMS and Studio REST client: one method per API course-sink reads, each validated at the boundary. */
import { sleep } from '../../backoff.js';
import type { z } from 'zod';
import { CourseKey, courseRootUsageKey, UsageKey } from '../../domain/keys.js';
import {
  BlockSchema,
  compactBlock,
  CourseDetailSchema,
  stringInterner,
  CourseIdPageSchema,
  type Block,
  type BlocksResponse,
  type CourseDetail,
  type CourseSnapshot,
  type CourseTags,
  type StudioCourseData,
  type TagRecord,
  type TaxonomyRecord,
} from '../api-types.js';
import { readStudioData, type StudioGet } from '../cms/studio.js';
import { courseTags, readCourseObjectTags, readTaxonomies, type TaggingHttp } from '../cms/tagging.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import { errorForStatus, LmsMalformedResponseError, LmsPermanentError, LmsRetryableError } from './errors.js';
import { BlocksShapeError, BlocksStreamReader, BlocksSyntaxError } from './blocks-stream.js';
import { TokenSource } from './oauth.js';
import { LmsTransport, type BodyReader, type LmsLog, type LmsStreamedResponse } from './transport.js';

export interface LmsClientOptions {
  /** The LMS root, e.g. `https://lms.example.com` (LMS_BASE_URL). */
  baseUrl: string;
  /** Studio's root (CMS_BASE_URL), which takes the same JWT; without it nothing is read from Studio. */
  cmsBaseUrl?: string;
  /** Read content tags from Studio's tagging API (needs cmsBaseUrl). */
  tags?: boolean;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  expiryMarginMs?: number;
  logger?: LmsLog;
  /** Injected by tests so backoff and token expiry need no real waiting. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  fetch?: typeof fetch;
}

/**
 * BlocksView, addressed by the course's root usage key. The `?course_id=` route (BlocksInCourseView) drops
 * every discussion block, and its id from its parent's children, when the course uses the `openedx`
 * discussion provider (lms/djangoapps/course_api/blocks/views.py, `filter_discussion_xblocks_from_response`):
 * rows would go missing and every later block's order would shift.
 */
const BLOCKS_PATH = '/api/courses/v2/blocks/';
const COURSES_PATH = '/api/courses/v1/courses/';
/** CourseIdListView: every course key a global-staff user may see, whatever site org filters hide. */
const COURSE_IDS_PATH = '/api/courses/v1/course_ids/';
/** CourseIdListView's own `max_page_size`; it is throttled per request (40/minute for staff), not per key. */
const COURSE_IDS_PAGE_SIZE = 1000;
/**
 * `student_view_data` is not listed: the LMS adds it to the requested fields itself when the
 * `student_view_data` parameter names block types, and only those types get it. `edited_on`,
 * `completion_mode` and `edx_video_id` are answered only when COURSE_BLOCKS_API_EXTRA_FIELDS lists them
 * (blocks/transformers/extra_fields.py); asking for them otherwise is harmless.
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
  'edited_on',
  'completion_mode',
  'edx_video_id',
].join(',');

/** Reads courses from the Open edX LMS REST APIs as the OAuth client's (staff) service user. */
export class LmsClient {
  private readonly base: URL;
  private readonly cmsBase?: URL;
  private readonly readTags: boolean;
  private readonly transport: LmsTransport;
  private readonly tokens: TokenSource;

  constructor(opts: LmsClientOptions) {
    this.base = new URL(opts.baseUrl.replace(/\/+$/, '') + '/');
    if (opts.cmsBaseUrl) this.cmsBase = new URL(opts.cmsBaseUrl.replace(/\/+$/, '') + '/');
    this.readTags = Boolean(opts.tags && opts.cmsBaseUrl);
    const now = opts.now ?? Date.now;
    this.transport = new LmsTransport({
      timeoutMs: opts.timeoutMs ?? 30_000,
      concurrency: opts.concurrency ?? 8,
      retry: { ...DEFAULT_RETRY_POLICY, ...opts.retry },
      sleep: opts.sleep ?? sleep,
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

  /**
   * The whole course tree as staff sees it (`all_blocks`), in `dict` form. The answer (70 MB for a
   * 100k-block course) is read as it streams in: each block is validated on arrival and kept only as
   * compactBlock keeps it.
   */
  async getBlocks(courseKey: string): Promise<BlocksResponse> {
    const url = this.url(`${BLOCKS_PATH}${encodeURIComponent(courseRootUsageKey(courseKey))}/`);
    url.searchParams.set('all_blocks', 'true');
    url.searchParams.set('depth', 'all');
    url.searchParams.set('return_type', 'dict');
    url.searchParams.set('requested_fields', REQUESTED_FIELDS);
    url.searchParams.set('student_view_data', 'video');
    const { res, ctx, token } = await this.exchange(url, courseKey, readBlocks);
    if (res.value) return res.value;
    if (res.status >= 200 && res.status < 300) throw notJson(ctx);
    throw errorForStatus(ctx, res.body, token.username);
  }

  /** Course detail; `username` makes the LMS answer for the service user rather than anonymously. */
  async getCourse(courseKey: string): Promise<CourseDetail> {
    const url = this.url(`${COURSES_PATH}${encodeURIComponent(courseKey)}/`);
    const { username } = await this.tokens.get();
    if (username) url.searchParams.set('username', username);
    return this.getJson(url, CourseDetailSchema, courseKey);
  }

  /** What Studio knows of the course that the LMS does not expose; undefined when no Studio is configured. */
  async getStudioData(courseKey: string): Promise<StudioCourseData | undefined> {
    const base = this.cmsBase;
    if (!base) return undefined;
    const get: StudioGet = async (path, schema, opts = {}) => {
      try {
        return await this.getJson(new URL(path.replace(/^\//, ''), base), schema, courseKey);
      } catch (err) {
        if (opts.forbiddenIsEmpty && err instanceof LmsPermanentError && err.status === 403) return null;
        throw err;
      }
    };
    return readStudioData(get, courseKey);
  }

  /** Studio's tagging API, for the taxonomies and the course's tags. */
  private tagging(courseKey?: string): TaggingHttp {
    const base = this.cmsBase!;
    const at = (pathOrUrl: string) => this.studioUrl(pathOrUrl, base);
    return {
      json: (pathOrUrl, schema) => this.getJson(at(pathOrUrl), schema, courseKey),
      text: async (path) => (await this.getText(at(path), courseKey)).body,
    };
  }

  /** Studio builds absolute `next` links from the host it believes it serves: only the path is followed. */
  private studioUrl(pathOrUrl: string, base: URL): URL {
    const target = new URL(pathOrUrl, base);
    return new URL(`${target.pathname.replace(/^\//, '')}${target.search}`, base);
  }

  /** Every taxonomy and tag of the platform; undefined when tags are not read. */
  async getTaxonomies(): Promise<{ taxonomies: TaxonomyRecord[]; tags: TagRecord[] } | undefined> {
    return this.readTags ? readTaxonomies(this.tagging()) : undefined;
  }

  /** The course's content tags joined with the platform's taxonomies; undefined when tags are not read. */
  async getCourseTags(courseKey: string): Promise<CourseTags | undefined> {
    if (!this.readTags) return undefined;
    const http = this.tagging(courseKey);
    try {
      const [catalog, objectTags] = await Promise.all([
        readTaxonomies(http),
        readCourseObjectTags(http, courseKey),
      ]);
      return courseTags(objectTags, catalog.taxonomies, catalog.tags);
    } catch (err) {
      // A platform without content tagging has no such routes (and a course Studio does not know has no
      // tags): the course syncs without them.
      if ((err instanceof LmsPermanentError || err instanceof LmsRetryableError) && err.status === 404)
        return undefined;
      throw err;
    }
  }

  async getSnapshot(courseKey: string): Promise<CourseSnapshot> {
    const [detail, blocks, studio, tags] = await Promise.all([
      this.getCourse(courseKey),
      this.getBlocks(courseKey),
      this.getStudioData(courseKey),
      this.getCourseTags(courseKey),
    ]);
    if (studio) withStaticTabs(blocks, studio);
    return {
      courseKey,
      detail,
      blocks,
      source: studio ? 'lms+cms' : 'lms',
      ...(studio ? { studio } : {}),
      ...(tags ? { tags } : {}),
    };
  }

  /**
   * Every course key the service user (global staff) may see, in the LMS's order. CourseListView would hide
   * the orgs a site configuration claims (lms/djangoapps/branding `get_visible_courses`); CourseIdListView
   * (`role=staff`, course_api/api.py `list_course_keys`) does not. `org` filters on the key's org, which
   * is what Aspects' rows carry.
   */
  async *listCourseKeys(opts: { org?: string } = {}): AsyncGenerator<string> {
    const { username } = await this.tokens.get();
    let url: URL | undefined = this.url(COURSE_IDS_PATH);
    url.searchParams.set('role', 'staff');
    url.searchParams.set('page_size', String(COURSE_IDS_PAGE_SIZE));
    if (username) url.searchParams.set('username', username);
    const org = opts.org?.toLowerCase();
    while (url) {
      const page: z.infer<typeof CourseIdPageSchema> = await this.getJson(url, CourseIdPageSchema);
      for (const key of page.results) if (!org || CourseKey.parse(key).org.toLowerCase() === org) yield key;
      url = page.pagination.next ? this.nextPage(page.pagination.next, url) : undefined;
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

  /** One authorized GET; a 2xx body goes to `read` when one is given. */
  private async exchange<T>(url: URL, courseKey: string | undefined, read?: BodyReader<T>) {
    let token = await this.tokens.get();
    const send = (): Promise<LmsStreamedResponse<T>> => {
      const req = {
        method: 'GET' as const,
        url,
        headers: { authorization: `JWT ${token.value}` },
        courseKey,
      };
      return read
        ? this.transport.sendStreaming(req, read).catch((err: unknown) => {
            throw malformedBody({ method: 'GET', path: url.pathname, courseKey }, err);
          })
        : this.transport.send(req);
    };
    let res = await send();
    if (res.status === 401) {
      // JWTs cannot be revoked, but the LMS may have rotated its signing key or a clock drifted: one fresh
      // token settles which.
      this.tokens.invalidate(token);
      token = await this.tokens.get();
      res = await send();
    }
    const ctx = { method: 'GET', path: url.pathname, courseKey, status: res.status };
    return { res, ctx, token };
  }

  /** The body of a 2xx answer; any other status is the error it means. */
  private async getText(url: URL, courseKey?: string): Promise<{ body: string; status: number }> {
    const { res, ctx, token } = await this.exchange(url, courseKey);
    if (res.status < 200 || res.status >= 300) throw errorForStatus(ctx, res.body, token.username);
    return { body: res.body, status: res.status };
  }

  private async getJson<S extends z.ZodType>(url: URL, schema: S, courseKey?: string): Promise<z.infer<S>> {
    const res = await this.getText(url, courseKey);
    const ctx = { method: 'GET', path: url.pathname, courseKey, status: res.status };
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw notJson(ctx);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw notOfShape(ctx, issue ? issue.path.map(String) : [], issue?.message);
    }
    return parsed.data;
  }
}

/** The Blocks API answer, block by block: validated with BlockSchema on arrival, kept compact. */
const readBlocks: BodyReader<BlocksResponse> = async (chunks) => {
  const blocks: Record<string, Block> = {};
  const intern = stringInterner();
  const reader = new BlocksStreamReader({
    block(key, value) {
      const parsed = BlockSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new BlocksShapeError(
          ['blocks', key, ...(issue?.path.map(String) ?? [])].join('.'),
          issue?.message ?? 'invalid',
        );
      }
      const block = compactBlock(parsed.data, intern);
      // A member named __proto__ is an own property in JSON.parse's result; plain assignment would not be.
      if (key === '__proto__') Object.defineProperty(blocks, key, { value: block, enumerable: true });
      else blocks[intern(key)] = block;
    },
  });
  for await (const chunk of chunks) reader.push(chunk);
  const { root } = reader.end();
  return { root, blocks };
};

type RequestContext = { method: string; path: string; courseKey?: string; status?: number };

function malformedBody(ctx: RequestContext, err: unknown): unknown {
  if (err instanceof BlocksSyntaxError) return notJson({ ...ctx, status: 200 });
  if (err instanceof BlocksShapeError) return notOfShape({ ...ctx, status: 200 }, [err.path], err.message);
  return err;
}

function notJson(ctx: RequestContext): LmsMalformedResponseError {
  return new LmsMalformedResponseError(
    ctx,
    `LMS answered ${ctx.status} with a body that is not JSON`,
    'check that LMS_BASE_URL points at the LMS and not at a proxy or login page',
  );
}

function notOfShape(
  ctx: RequestContext,
  path: string[],
  message: string | undefined,
): LmsMalformedResponseError {
  const where = path.length > 0 ? path.join('.') : '(body)';
  return new LmsMalformedResponseError(
    ctx,
    `LMS response does not match the expected shape at ${where}: ${message ?? 'invalid'}`,
    'check the LMS version and any plugin that alters this API; this will not succeed on retry',
  );
}

/**
 * The Blocks API walks the tree from the root and never returns detached blocks; Studio's tab list names
 * the course's static tabs, which Aspects' sink appends after the tree (about and course_info blocks are
 * exposed by no API). They join the course's blocks as detached blocks.
 */
export function withStaticTabs(blocks: BlocksResponse, studio: StudioCourseData): void {
  for (const tab of studio.staticTabs) {
    if (blocks.blocks[tab.id]) continue;
    const blockId = UsageKey.parse(tab.id).blockId;
    blocks.blocks[tab.id] = { id: tab.id, block_id: blockId, type: 'static_tab', display_name: tab.name };
  }
}
