import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { CourseSnapshot } from '../../../src/openedx/api-types.js';
import { blocksInCourse } from './blocks.js';
import { courseDetail, courseList } from './courses.js';
import { Faults, type FailSpec, type MalformedKind } from './faults.js';
import { loadCourseFixtures } from './fixtures.js';
import { djangoNotFound, json, type Reply } from './http.js';
import { TokenIssuer, type Credentials } from './tokens.js';

export type Route = 'token' | 'blocks' | 'course' | 'courses' | 'other';

export interface TestLmsOptions extends Partial<Credentials> {
  port?: number;
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

function route(pathname: string): { route: Route; courseKey?: string } {
  if (/^\/oauth2\/access_token\/?$/.test(pathname)) return { route: 'token' };
  if (/^\/api\/courses\/v[12]\/blocks\/?$/.test(pathname)) return { route: 'blocks' };
  if (/^\/api\/courses\/v1\/courses\/?$/.test(pathname)) return { route: 'courses' };
  const detail = /^\/api\/courses\/v1\/courses\/(.+?)\/?$/.exec(pathname);
  if (detail?.[1]) return { route: 'course', courseKey: decodeURIComponent(detail[1]) };
  return { route: 'other' };
}

/**
 * An in-memory stand-in for the Open edX LMS: OAuth2 client credentials, the Blocks API and the
 * Courses API, answering like the real views do, with switches to make it fail the ways a real LMS fails.
 */
export class TestLms {
  readonly courses = new Map<string, CourseSnapshot>();
  readonly requests: RecordedRequest[] = [];
  readonly credentials: Credentials;
  private readonly faults = new Faults();
  private readonly tokens: TokenIssuer;
  private readonly timers = new Set<NodeJS.Timeout>();
  private staff = true;
  private server?: Server;
  url = '';

  private constructor(opts: TestLmsOptions) {
    const { port: _port, ...given } = opts;
    const creds = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
    this.credentials = { ...TEST_LMS_DEFAULTS, ...creds };
    this.tokens = new TokenIssuer(this.credentials, () => this.url);
  }

  static async start(opts: TestLmsOptions = {}): Promise<TestLms> {
    const lms = new TestLms(opts);
    const server = createServer((req, res) => void lms.handle(req, res));
    // LMS front ends keep idle connections for over a minute; Node's 5 s default would close sockets under
    // requests already sent while a large answer holds the event loop.
    server.keepAliveTimeout = 75_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', resolve);
    });
    lms.server = server;
    lms.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return lms;
  }

  setCourse(snapshot: CourseSnapshot): void {
    this.courses.set(snapshot.courseKey, snapshot);
  }

  removeCourse(courseKey: string): void {
    this.courses.delete(courseKey);
  }

  async loadFixtures(dir: string): Promise<CourseSnapshot[]> {
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

  /** Clears faults and the request log; courses and issued tokens stay. */
  reset(): void {
    this.faults.reset();
    this.requests.length = 0;
    this.staff = true;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const self = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const target = route(self.pathname);
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

  private async answer(req: IncomingMessage, self: URL, target: ReturnType<typeof route>): Promise<Reply> {
    if (target.route === 'token') return this.tokens.issue(req);
    if (target.route === 'other') return djangoNotFound(self.pathname);
    if (req.method !== 'GET') return json(405, { developer_message: `Method "${req.method}" not allowed.` });
    const auth = this.tokens.authenticate(req);
    if ('status' in auth) return auth;
    const params = self.searchParams;
    switch (target.route) {
      case 'blocks':
        return blocksInCourse({
          params,
          origin: self.origin,
          username: auth.username,
          isStaff: this.staff,
          courses: this.courses,
        });
      case 'courses':
        return courseList(params, self, this.courses);
      case 'course':
        return courseDetail(target.courseKey ?? '', params, this.courses);
    }
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
  process.stdout.write(`${lms.url}\n`);
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
