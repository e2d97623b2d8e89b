import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { blocksApi, type CachedStructure } from './blocks.js';
import { courseDetail, courseIds } from './courses.js';
import { Faults, type FailSpec, type MalformedKind } from './faults.js';
import { loadCourseFixtures } from './fixtures.js';
import { djangoNotFound, json, type Reply } from './http.js';
import type { ModulestoreCourse, PlatformSettings } from './modulestore.js';
import { DEFAULT_PLATFORM_SETTINGS } from './platform.js';
import {
  advancedSettings,
  courseGrading,
  courseTabs,
  studioCourseNotFound,
  type StudioFlags,
} from './studio.js';
import {
  courseTagExport,
  objectTags as objectTagsView,
  taxonomies,
  taxonomyTags,
  type StandInTaxonomy,
  type TaggingState,
} from './tagging.js';
import { TokenIssuer, type Credentials } from './tokens.js';

export type Route =
  | 'token'
  | 'blocks'
  | 'blocks_in_course'
  | 'course'
  | 'course_ids'
  | 'advanced_settings'
  | 'course_grading'
  | 'tabs'
  | 'taxonomies'
  | 'taxonomy_tags'
  | 'object_tags'
  | 'object_tags_export'
  | 'other';

export interface TestLmsOptions extends Partial<Credentials> {
  port?: number;
  cmsPort?: number;
  /**
   * How long after a publish the Blocks API keeps serving the previous structure: the LMS's block cache is
   * rebuilt by a celery task `BLOCK_STRUCTURES_SETTINGS['COURSE_PUBLISH_TASK_DELAY']` (30 s) after the publish,
   * plus queue and collect time (openedx/core/djangoapps/content/block_structure/signals.py, tasks.py).
   */
  blockCacheDelayMs?: number;
  settings?: Partial<PlatformSettings>;
}

export interface RecordedRequest {
  method: string;
  route: Route;
  /** Path and query as received; bodies (which carry the client secret) are not recorded. */
  url: string;
  status: number;
}

export const TEST_LMS_DEFAULTS: Credentials = {
  clientId: 'course-sink-client',
  clientSecret: 'course-sink-client-secret-9f2c',
  username: 'course_sink_worker',
  tokenTtlSeconds: 3600,
};

/** `CourseIdListUserThrottle.THROTTLE_RATES['staff']` (lms/djangoapps/course_api/views.py). */
const COURSE_IDS_STAFF_RATE_PER_MINUTE = 40;

function lmsRoute(pathname: string): { route: Route; key?: string } {
  if (/^\/oauth2\/access_token\/?$/.test(pathname)) return { route: 'token' };
  if (/^\/api\/courses\/v[12]\/blocks\/?$/.test(pathname)) return { route: 'blocks_in_course' };
  const usage = /^\/api\/courses\/v[12]\/blocks\/([^/]+)\/?$/.exec(pathname);
  if (usage?.[1]) return { route: 'blocks', key: decodeURIComponent(usage[1]) };
  if (/^\/api\/courses\/v1\/course_ids\/?$/.test(pathname)) return { route: 'course_ids' };
  const detail = /^\/api\/courses\/v1\/courses\/(.+?)\/?$/.exec(pathname);
  if (detail?.[1]) return { route: 'course', key: decodeURIComponent(detail[1]) };
  return { route: 'other' };
}

function cmsRoute(pathname: string): { route: Route; key?: string } {
  const tagging =
    /^\/api\/content_tagging\/v1\/(?:(taxonomies)\/(?:(\d+)\/tags\/)?|object_tags\/([^/]+)\/(export\/)?)$/.exec(
      pathname,
    );
  if (tagging) {
    if (tagging[1]) return tagging[2] ? { route: 'taxonomy_tags', key: tagging[2] } : { route: 'taxonomies' };
    const objectId = decodeURIComponent(tagging[3]!);
    return { route: tagging[4] ? 'object_tags_export' : 'object_tags', key: objectId };
  }
  const m = /^\/api\/contentstore\/(v0\/advanced_settings|v1\/course_grading|v0\/tabs)\/([^/]+)\/?$/.exec(
    pathname,
  );
  if (!m?.[2]) return { route: 'other' };
  const route: Route =
    m[1] === 'v0/advanced_settings'
      ? 'advanced_settings'
      : m[1] === 'v1/course_grading'
        ? 'course_grading'
        : 'tabs';
  return { route, key: decodeURIComponent(m[2]) };
}

/**
 * A stand-in for an Open edX LMS and its Studio, built from the platform's own views: it holds courses as the
 * modulestore does (ModulestoreCourse) and derives every answer from them — the LMS's OAuth2 client
 * credentials, Blocks and Courses APIs on `url`, Studio's REST views on `cmsUrl`, which take the LMS's JWT.
 * The Blocks API answers from a block cache that lags each publish by `blockCacheDelayMs`, as the real one
 * does; the Courses and Studio views read the modulestore (CourseOverview is updated on publish). Switches
 * make it fail the ways a real LMS fails.
 */
export class TestLms {
  /** The modulestore: what Studio published last. */
  readonly courses = new Map<string, ModulestoreCourse>();
  readonly requests: RecordedRequest[] = [];
  readonly credentials: Credentials;
  private readonly structures = new Map<string, CachedStructure>();
  private readonly faults = new Faults();
  private readonly tokens: TokenIssuer;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly courseIdCalls: number[] = [];
  private staff = true;
  private settings: PlatformSettings;
  private studioFlags: StudioFlags = { legacyCustomPages: false };
  /** Studio's content tagging: taxonomies with their tags, and the tags applied to objects. */
  readonly tagging: TaggingState = { taxonomies: [], objectTags: new Map() };
  private blockCacheDelayMs: number;
  private servers: Server[] = [];
  url = '';
  cmsUrl = '';

  private constructor(opts: TestLmsOptions) {
    const { port: _port, cmsPort: _cmsPort, blockCacheDelayMs, settings, ...given } = opts;
    const creds = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
    this.credentials = { ...TEST_LMS_DEFAULTS, ...creds };
    this.tokens = new TokenIssuer(this.credentials, () => this.url);
    this.blockCacheDelayMs = blockCacheDelayMs ?? 0;
    this.settings = { ...DEFAULT_PLATFORM_SETTINGS, ...settings };
  }

  static async start(opts: TestLmsOptions = {}): Promise<TestLms> {
    const lms = new TestLms(opts);
    lms.url = await lms.listen(opts.port ?? 0, (req, res) => void lms.handle(req, res, 'lms'));
    lms.cmsUrl = await lms.listen(opts.cmsPort ?? 0, (req, res) => void lms.handle(req, res, 'cms'));
    return lms;
  }

  private async listen(
    port: number,
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<string> {
    const server = createServer(handler);
    // LMS front ends keep idle connections for over a minute; Node's 5 s default would close sockets under
    // requests already sent while a large answer holds the event loop.
    server.keepAliveTimeout = 75_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** A course as already published and collected: the block cache holds it at once. */
  setCourse(course: ModulestoreCourse): void {
    this.courses.set(course.courseKey, course);
    this.structures.set(course.courseKey, { course, settings: this.settings });
  }

  /**
   * Studio publishes a new version of the course: the modulestore (and so the Courses and Studio APIs) has
   * it now, the Blocks API once the block cache is rebuilt, `blockCacheDelayMs` later.
   */
  publish(course: ModulestoreCourse): void {
    this.courses.set(course.courseKey, course);
    if (this.blockCacheDelayMs <= 0 || !this.structures.has(course.courseKey)) {
      this.structures.set(course.courseKey, { course, settings: this.settings });
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // The task collects whatever the modulestore holds when it runs.
      const current = this.courses.get(course.courseKey);
      if (current) this.structures.set(course.courseKey, { course: current, settings: this.settings });
    }, this.blockCacheDelayMs);
    this.timers.add(timer);
  }

  removeCourse(courseKey: string): void {
    this.courses.delete(courseKey);
    this.structures.delete(courseKey);
  }

  /** Platform settings apply to structures collected from now on, as a change of them does in the LMS. */
  configure(settings: Partial<PlatformSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** Re-collects every cached structure, as `./manage.py lms generate_course_blocks --all_courses` does. */
  recollectAll(): void {
    for (const [key, course] of this.courses) this.structures.set(key, { course, settings: this.settings });
  }

  setBlockCacheDelay(ms: number): void {
    this.blockCacheDelayMs = ms;
  }

  addTaxonomy(taxonomy: StandInTaxonomy): void {
    this.tagging.taxonomies.push(taxonomy);
  }

  /** `tag_object`: replaces the object's tags of one taxonomy (content_tagging/api.py). */
  tagObject(objectId: string, taxonomyId: number, values: string[]): void {
    const kept = (this.tagging.objectTags.get(objectId) ?? []).filter((a) => a.taxonomyId !== taxonomyId);
    this.tagging.objectTags.set(objectId, [...kept, ...values.map((value) => ({ taxonomyId, value }))]);
  }

  setStudioFlags(flags: Partial<StudioFlags>): void {
    this.studioFlags = { ...this.studioFlags, ...flags };
  }

  async loadFixtures(dir: string): Promise<ModulestoreCourse[]> {
    const loaded = await loadCourseFixtures(dir);
    for (const course of loaded) this.setCourse(course);
    return loaded;
  }

  failNext(pathPrefix: string, spec: FailSpec): void {
    this.faults.failNext(pathPrefix, spec);
  }

  /** Delays every answer under `pathPrefix` by `ms`; 0 removes the delay. */
  slow(ms: number, pathPrefix = '/'): void {
    this.faults.slow(ms, pathPrefix);
  }

  malformed(pathPrefix: string, kind: MalformedKind = 'shape'): void {
    this.faults.malformed(pathPrefix, kind);
  }

  /** Whether the OAuth application's user is global staff; non-staff cannot request all_blocks. */
  setStaff(staff: boolean): void {
    this.staff = staff;
  }

  /** Rejects every token issued so far, as after a signing-key rotation. */
  revokeTokens(): void {
    this.tokens.revokeAll();
  }

  count(route: Route): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  /** Clears faults, throttle history and the request log; courses, settings and issued tokens stay. */
  reset(): void {
    this.faults.reset();
    this.requests.length = 0;
    this.courseIdCalls.length = 0;
    this.staff = true;
    this.studioFlags = { legacyCustomPages: false };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(
      this.servers.map((server) => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    );
    this.servers = [];
  }

  private async handle(req: IncomingMessage, res: ServerResponse, host: 'lms' | 'cms'): Promise<void> {
    const self = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const target = host === 'lms' ? lmsRoute(self.pathname) : cmsRoute(self.pathname);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      route: target.route,
      url: req.url ?? '/',
      status: 0,
    };
    this.requests.push(record);
    let reply: Reply;
    try {
      const delay = this.faults.delayFor(self.pathname);
      if (delay > 0) await this.wait(delay);
      reply = this.faults.takeFailure(self.pathname) ?? (await this.answer(req, self, target));
      reply = this.faults.spoil(self.pathname, reply);
    } catch (err) {
      reply = { status: 500, body: `<h1>Server Error (500)</h1><!-- ${String(err)} -->` };
    }
    record.status = reply.status;
    if (res.destroyed) return;
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const type = typeof reply.body === 'string' ? 'text/html; charset=utf-8' : 'application/json';
    res.writeHead(reply.status, { 'content-type': type, ...reply.headers });
    res.end(text);
  }

  private async answer(
    req: IncomingMessage,
    self: URL,
    target: { route: Route; key?: string },
  ): Promise<Reply> {
    if (target.route === 'token') return this.tokens.issue(req);
    if (target.route === 'other') return djangoNotFound(self.pathname);
    if (req.method !== 'GET') return json(405, { developer_message: `Method "${req.method}" not allowed.` });
    const auth = this.tokens.authenticate(req);
    if ('status' in auth) return auth;
    const params = self.searchParams;
    const origin = this.url;
    switch (target.route) {
      case 'blocks':
      case 'blocks_in_course':
        return blocksApi({
          route:
            target.route === 'blocks'
              ? { kind: 'usage_key', usageKey: target.key ?? '' }
              : { kind: 'course_id' },
          params,
          origin,
          username: auth.username,
          isStaff: this.staff,
          structureOf: (key) => this.structures.get(key),
        });
      case 'course':
        return courseDetail(target.key ?? '', params, origin, this.courses);
      case 'course_ids':
        return this.throttled() ?? courseIds(params, self, auth.username, this.staff, this.courses);
      case 'advanced_settings':
      case 'course_grading':
      case 'tabs': {
        const course = this.courses.get(target.key ?? '');
        if (!course) return studioCourseNotFound(target.key ?? '');
        if (!this.staff) return json(403, { detail: 'You do not have permission to perform this action.' });
        if (target.route === 'advanced_settings') return advancedSettings(course, params);
        if (target.route === 'course_grading') return courseGrading(course);
        return courseTabs(course, this.studioFlags);
      }
      case 'taxonomies':
        return taxonomies(this.tagging, self);
      case 'taxonomy_tags':
        return taxonomyTags(this.tagging, Number(target.key), self);
      case 'object_tags':
        return objectTagsView(this.tagging, target.key ?? '');
      case 'object_tags_export': {
        const course = this.courses.get(target.key ?? '');
        if (!course) return json(400, ['The object_id must be a course or a library.']);
        return courseTagExport(this.tagging, course);
      }
    }
  }

  /** DRF's SimpleRateThrottle: a sliding minute; the answer carries `Retry-After`. */
  private throttled(): Reply | undefined {
    const now = Date.now();
    while (this.courseIdCalls.length > 0 && this.courseIdCalls[0]! <= now - 60_000)
      this.courseIdCalls.shift();
    if (this.courseIdCalls.length >= COURSE_IDS_STAFF_RATE_PER_MINUTE) {
      const wait = Math.ceil((this.courseIdCalls[0]! + 60_000 - now) / 1000);
      return json(
        429,
        { developer_message: `Request was throttled. Expected available in ${wait} seconds.` },
        { 'retry-after': String(wait) },
      );
    }
    this.courseIdCalls.push(now);
    return undefined;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      fixtures: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      username: { type: 'string' },
    },
  });
  const lms = await TestLms.start({
    port: Number(values.port),
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    username: values.username,
  });
  if (values.fixtures) {
    const loaded = await lms.loadFixtures(path.resolve(values.fixtures));
    process.stderr.write(
      `test LMS: ${loaded.length} course(s): ${loaded.map((c) => c.courseKey).join(', ')}\n`,
    );
  }
  // The LMS's URL first, Studio's second: callers read the lines they need.
  process.stdout.write(`${lms.url}\n${lms.cmsUrl}\n`);
  const stop = () => void lms.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`test LMS failed to start: ${String(err)}\n`);
    process.exit(1);
  });
}
