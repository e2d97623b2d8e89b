import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { smallCourse } from '../../openedx/lms/support.js';
import { TestLms } from './server.js';

const course = smallCourse();
let lms: TestLms;
let token: string;

async function issueToken(base: string, creds: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(`${base}/oauth2/access_token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
      token_type: 'jwt',
    }),
  });
  const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
  expect(body.token_type).toBe('JWT');
  expect(body.expires_in).toBe(3600);
  return body.access_token;
}

const get = async (pathAndQuery: string, auth = `JWT ${token}`) => {
  const res = await fetch(lms.url + pathAndQuery, { headers: auth ? { authorization: auth } : {} });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Non-JSON pages are compared as text.
  }
  return { status: res.status, body: body as Record<string, unknown> };
};

beforeAll(async () => {
  lms = await TestLms.start();
  lms.setCourse(course);
  token = await issueToken(lms.url, lms.credentials);
});
afterAll(() => lms.close());
beforeEach(() => lms.reset());

const blocksPath = (query: string) => `/api/courses/v2/blocks/?${query}`;
const key = encodeURIComponent(course.courseKey);

describe('test LMS: OAuth and authentication', () => {
  it('refuses unknown clients and unsupported grants the way django-oauth-toolkit does', async () => {
    const bad = await fetch(`${lms.url}/oauth2/access_token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }),
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'invalid_client' });
    const grant = await fetch(`${lms.url}/oauth2/access_token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password' }),
    });
    expect(grant.status).toBe(400);
  });

  it('requires an issued token on the APIs', async () => {
    expect((await get(`/api/courses/v1/courses/${key}/`, '')).status).toBe(401);
    expect((await get(`/api/courses/v1/courses/${key}/`, 'JWT a.b.c')).body).toEqual({
      developer_message: 'Error decoding signature.',
    });
    expect((await get(`/api/courses/v1/courses/${key}/`)).status).toBe(200);
  });
});

describe('test LMS: Blocks API', () => {
  it('answers 400 without course_id and for an invalid course key', async () => {
    expect(await get(blocksPath('all_blocks=true'))).toEqual({
      status: 400,
      body: { developer_message: 'course_id is required.' },
    });
    expect((await get(blocksPath('course_id=nonsense&all_blocks=true'))).status).toBe(400);
  });

  it('requires username unless all_blocks is requested', async () => {
    const res = await get(blocksPath(`course_id=${key}`));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      field_errors: {
        username: { developer_message: 'This field is required unless all_blocks is requested.' },
      },
    });
  });

  it('returns only the root without depth, and only type and display_name beyond the always-present fields', async () => {
    const res = await get(blocksPath(`course_id=${key}&all_blocks=true`));
    const blocks = Object.values(res.body.blocks as Record<string, Record<string, unknown>>);
    expect(blocks).toHaveLength(1);
    expect(Object.keys(blocks[0]!).sort()).toEqual(
      ['block_id', 'display_name', 'id', 'legacy_web_url', 'lms_web_url', 'student_view_url', 'type'].sort(),
    );
  });

  it('honours depth, return_type=list and 404s an unknown course', async () => {
    const two = await get(
      blocksPath(`course_id=${key}&all_blocks=true&depth=2&return_type=list&requested_fields=children`),
    );
    expect((two.body as unknown as Array<{ type: string }>).map((b) => b.type)).toEqual([
      'course',
      'chapter',
      'sequential',
    ]);
    const missing = await get(
      blocksPath(`course_id=${encodeURIComponent('course-v1:No+Such+Course')}&all_blocks=true`),
    );
    expect(missing.status).toBe(404);
    expect(String(missing.body.developer_message)).toMatch(/^Block not found: /);
  });
});

describe('test LMS: Courses API', () => {
  it('hides hidden courses from anonymous detail requests only', async () => {
    const hidden = smallCourse('course-v1:TestX+Hidden+2024');
    hidden.detail.hidden = true;
    lms.setCourse(hidden);
    const hiddenKey = encodeURIComponent(hidden.courseKey);
    expect((await get(`/api/courses/v1/courses/${hiddenKey}/`)).status).toBe(404);
    expect(
      (await get(`/api/courses/v1/courses/${hiddenKey}/?username=${lms.credentials.username}`)).status,
    ).toBe(200);
    lms.removeCourse(hidden.courseKey);
    expect((await get(`/api/courses/v1/courses/${hiddenKey}/?username=x`)).body).toEqual({
      developer_message: 'Course not found.',
    });
  });

  it('pages with an absolute next link and 404s a page past the end', async () => {
    const other = smallCourse('course-v1:TestX+Other+2024');
    lms.setCourse(other);
    const first = await get('/api/courses/v1/courses/?page_size=1');
    expect(first.body.pagination).toEqual({
      next: `${lms.url}/api/courses/v1/courses/?page_size=1&page=2`,
      previous: null,
      count: 2,
      num_pages: 2,
    });
    expect((await get('/api/courses/v1/courses/?page_size=1&page=3')).body).toEqual({
      developer_message: 'Invalid page.',
    });
    lms.removeCourse(other.courseKey);
  });

  it('counts requests per route and injects failures by path prefix', async () => {
    lms.failNext('/api/courses/v1/', { status: 429, retryAfter: 3 });
    const res = await fetch(`${lms.url}/api/courses/v1/courses/`, {
      headers: { authorization: `JWT ${token}` },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect((await get('/api/courses/v1/courses/')).status).toBe(200);
    expect(lms.count('courses')).toBe(2);
    expect(lms.requests.map((r) => r.status)).toEqual([429, 200]);
  });
});

describe('test LMS as a standalone process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'test-lms-'));
    const one = path.join(dir, 'one');
    await mkdir(one);
    await writeFile(path.join(one, 'course.json'), JSON.stringify(course.detail));
    await writeFile(path.join(one, 'blocks.json'), JSON.stringify(course.blocks));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints its URL and serves the fixture courses', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/peers/lms/server.ts', '--port', '0', '--fixtures', dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const url = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`test LMS exited with ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const jwt = await issueToken(url, lms.credentials);
      const res = await fetch(`${url}/api/courses/v1/courses/${key}/`, {
        headers: { authorization: `JWT ${jwt}` },
      });
      expect(await res.json()).toEqual(course.detail);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
