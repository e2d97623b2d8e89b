import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { smallCourse } from '../../openedx/lms/support.js';
import { edgeCourse } from './edge-course.js';
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

describe('test LMS: the two Blocks routes and what the block structure holds', () => {
  const edge = edgeCourse();
  const edgeKey = encodeURIComponent(edge.courseKey);
  const root = encodeURIComponent(
    `block-v1:${edge.courseKey.slice('course-v1:'.length)}+type@course+block@course`,
  );
  const fields =
    'requested_fields=children,graded,edx_video_id,edited_on,completion_mode&student_view_data=video';
  beforeAll(() => lms.setCourse(edge));
  afterAll(() => lms.removeCourse(edge.courseKey));

  type Blocks = Record<string, { type: string; children?: string[]; [k: string]: unknown }>;
  const blocksOf = async (pathAndQuery: string) => (await get(pathAndQuery)).body.blocks as unknown as Blocks;

  it('drops discussion blocks and their ids from their parents on the course_id route of an openedx-provider course', async () => {
    const inCourse = await blocksOf(blocksPath(`course_id=${edgeKey}&all_blocks=true&depth=all&${fields}`));
    const byRoot = await blocksOf(`/api/courses/v2/blocks/${root}/?all_blocks=true&depth=all&${fields}`);
    const discussions = Object.values(byRoot).filter((b) => b.type === 'discussion');
    expect(discussions.length).toBeGreaterThan(1);
    expect(Object.values(inCourse).some((b) => b.type === 'discussion')).toBe(false);
    for (const block of Object.values(inCourse))
      for (const child of block.children ?? []) expect(inCourse[child]).toBeDefined();
    expect(Object.keys(byRoot).length - Object.keys(inCourse).length).toBe(discussions.length);
  });

  it('keeps them on both routes when the course uses the legacy provider', async () => {
    const legacy = edgeCourse((c) => {
      c.courseKey = 'course-v1:EdgeOrg+LEGACY+2025';
      c.discussionProvider = 'legacy';
    });
    lms.setCourse(legacy);
    const inCourse = await blocksOf(
      blocksPath(`course_id=${encodeURIComponent(legacy.courseKey)}&all_blocks=true&depth=all`),
    );
    expect(Object.values(inCourse).some((b) => b.type === 'discussion')).toBe(true);
    lms.removeCourse(legacy.courseKey);
  });

  it('never returns detached blocks or orphans, and sends absolute URLs', async () => {
    const byRoot = await blocksOf(`/api/courses/v2/blocks/${root}/?all_blocks=true&depth=all&${fields}`);
    const types = new Set(Object.values(byRoot).map((b) => b.type));
    for (const detached of ['about', 'course_info', 'static_tab']) expect(types.has(detached)).toBe(false);
    const modulestoreIds = new Set(edge.blocks.map((b) => b.id));
    expect(Object.keys(byRoot).length).toBeLessThan(modulestoreIds.size);
    for (const block of Object.values(byRoot)) {
      expect(block.lms_web_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/courses\//);
      expect(block.student_view_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/xblock\//);
    }
  });

  it('sends video data without edx_video_id, rewrites VAL URLs to the CDN and leaves null where the rewrite fails', async () => {
    const byRoot = await blocksOf(`/api/courses/v2/blocks/${root}/?all_blocks=true&depth=all&${fields}`);
    const videos = Object.values(byRoot).filter((b) => b.type === 'video');
    const datas = videos.map((v) => v.student_view_data as Record<string, unknown>);
    for (const data of datas) {
      expect(Object.keys(data).sort()).toEqual(
        expect.arrayContaining(['only_on_web', 'duration', 'transcripts', 'encoded_videos', 'all_sources']),
      );
      expect(data).not.toHaveProperty('edx_video_id');
    }
    const encodings = datas.flatMap((d) =>
      Object.entries((d.encoded_videos ?? {}) as Record<string, { url: string | null }>),
    );
    expect(encodings.some(([, e]) => e.url === null)).toBe(true);
    expect(
      encodings.some(
        ([p, e]) => p !== 'youtube' && p !== 'fallback' && e.url?.startsWith('https://edx-video.net/'),
      ),
    ).toBe(true);
    // Without COURSE_BLOCKS_API_EXTRA_FIELDS none of the extra fields comes back, requested or not.
    expect(videos.some((v) => 'edx_video_id' in v || 'edited_on' in v || 'completion_mode' in v)).toBe(false);
  });

  it('serves the previous structure until the block cache is rebuilt after a publish', async () => {
    const before = smallCourse('course-v1:TestX+Cache+2024');
    lms.setCourse(before);
    lms.setBlockCacheDelay(300);
    const after = smallCourse('course-v1:TestX+Cache+2024');
    after.blocks.find((b) => b.id === 'unit1')!.children.push('h2');
    after.blocks.push({
      type: 'html',
      id: 'h2',
      fields: {},
      children: [],
      editedOn: '2024-03-01T00:00:00+00:00',
    });
    after.blocks[0]!.fields.display_name = 'Renamed';
    lms.publish(after);
    const cacheKey = encodeURIComponent(before.courseKey);
    const query = blocksPath(`course_id=${cacheKey}&all_blocks=true&depth=all`);
    expect(Object.keys(await blocksOf(query))).toHaveLength(7);
    // The Courses API reads the CourseOverview, which the publish updated at once.
    expect((await get(`/api/courses/v1/courses/${cacheKey}/?username=u`)).body.name).toBe('Renamed');
    const deadline = Date.now() + 5_000;
    while (Object.keys(await blocksOf(query)).length === 7 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(Object.keys(await blocksOf(query))).toHaveLength(8);
    lms.setBlockCacheDelay(0);
    lms.removeCourse(before.courseKey);
  });
});

describe('test LMS: Courses API', () => {
  it('hides hidden courses from anonymous detail requests only', async () => {
    const hidden = smallCourse('course-v1:TestX+Hidden+2024');
    hidden.blocks[0]!.fields.catalog_visibility = 'none';
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

  it('names the display org and escapes only < and > in the name, with absolute media URLs', async () => {
    const edge = edgeCourse();
    lms.setCourse(edge);
    const detail = (await get(`/api/courses/v1/courses/${encodeURIComponent(edge.courseKey)}/?username=u`))
      .body;
    const fields = edge.blocks.find((b) => b.type === 'course')!.fields;
    expect(detail.org).toBe(fields.display_organization);
    expect(detail.org).not.toBe('EdgeOrg');
    expect(detail.name).toBe(String(fields.display_name).replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
    expect(detail.name).toContain('&amp;');
    const media = detail.media as { image: { raw: string }; course_image: { uri: string } };
    expect(media.image.raw).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/asset-v1:/);
    expect(media.course_image.uri).toMatch(/^http:\/\//);
    lms.removeCourse(edge.courseKey);
  });

  it('lists every course key on course_ids for the staff user, paged, and throttles at 40 a minute', async () => {
    const other = smallCourse('course-v1:TestX+Other+2024');
    lms.setCourse(other);
    const user = lms.credentials.username;
    const first = await get(`/api/courses/v1/course_ids/?role=staff&username=${user}&page_size=1`);
    expect(first.body.results).toEqual([course.courseKey]);
    expect(first.body.pagination).toEqual({
      next: `${lms.url}/api/courses/v1/course_ids/?role=staff&username=${user}&page_size=1&page=2`,
      previous: null,
      count: 2,
      num_pages: 2,
    });
    expect((await get(`/api/courses/v1/course_ids/?username=${user}`)).status).toBe(400);
    lms.reset();
    const statuses: number[] = [];
    for (let i = 0; i < 41; i++)
      statuses.push((await get(`/api/courses/v1/course_ids/?role=staff&username=${user}`)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(statuses.at(-1)).toBe(429);
    lms.reset();
    lms.removeCourse(other.courseKey);
  });

  it('counts requests per route and injects failures by path prefix', async () => {
    lms.failNext('/api/courses/v1/', { status: 429, retryAfter: 3 });
    const res = await fetch(`${lms.url}/api/courses/v1/courses/${key}/`, {
      headers: { authorization: `JWT ${token}` },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect((await get(`/api/courses/v1/courses/${key}/`)).status).toBe(200);
    expect(lms.count('course')).toBe(2);
    expect(lms.requests.map((r) => r.status)).toEqual([429, 200]);
  });
});

describe('test CMS: Studio REST views', () => {
  const studio = (pathAndQuery: string) =>
    fetch(lms.cmsUrl + pathAndQuery, { headers: { authorization: `JWT ${token}` } }).then(async (r) => ({
      status: r.status,
      body: (await r.text()) as string,
    }));

  it('answers advanced settings, grading and static tabs from the published course block, with the LMS JWT', async () => {
    const edge = edgeCourse();
    lms.setCourse(edge);
    const k = encodeURIComponent(edge.courseKey);
    const settings = await studio(
      `/api/contentstore/v0/advanced_settings/${k}?filter_fields=advertised_start,language`,
    );
    expect(Object.keys(JSON.parse(settings.body)).sort()).toEqual(['advertised_start', 'language']);
    expect(JSON.parse(settings.body).language).toMatchObject({ value: expect.anything(), deprecated: false });
    const grading = JSON.parse((await studio(`/api/contentstore/v1/course_grading/${k}`)).body);
    expect(Object.keys(grading.course_details.grade_cutoffs).length).toBeGreaterThan(0);
    const tabs = JSON.parse((await studio(`/api/contentstore/v0/tabs/${k}`)).body) as Array<{
      id: string;
      type: string;
    }>;
    expect(tabs.length).toBeGreaterThan(0);
    for (const tab of tabs) {
      expect(tab.type).toBe('static_tab');
      expect(tab.id).toMatch(/\+type@static_tab\+block@/);
    }
    lms.setStudioFlags({ legacyCustomPages: true });
    expect(await studio(`/api/contentstore/v0/tabs/${k}`)).toEqual({ status: 403, body: '' });
    expect(
      (await studio(`/api/contentstore/v0/tabs/${encodeURIComponent('course-v1:No+Such+Run')}`)).status,
    ).toBe(404);
    expect((await fetch(`${lms.cmsUrl}/api/contentstore/v0/tabs/${k}`)).status).toBe(401);
    lms.removeCourse(edge.courseKey);
  });
});

describe('test LMS as a standalone process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'test-lms-'));
    const one = path.join(dir, 'one');
    await mkdir(one);
    await writeFile(path.join(one, 'modulestore.json'), JSON.stringify(course));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints its URL and serves the fixture courses', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/peers/openedx/server.ts', '--port', '0', '--fixtures', dir],
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
      expect(await res.json()).toMatchObject({ id: course.courseKey, name: 'Testing the LMS' });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
