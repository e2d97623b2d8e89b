import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/errors.js';
import { LmsMalformedResponseError, LmsPermanentError } from '../../../src/openedx/lms/index.js';
import { TestLms } from '../../peers/lms/server.js';
import { clientFor, failure, smallCourse } from './support.js';

const course = smallCourse();
let lms: TestLms;

beforeAll(async () => {
  lms = await TestLms.start();
  lms.setCourse(course);
});
afterAll(() => lms.close());
beforeEach(() => lms.reset());

describe('LmsClient.getBlocks', () => {
  it('asks for every block at every depth with the fields the outline needs', async () => {
    const { client } = clientFor(lms);
    const blocks = await client.getBlocks(course.courseKey);
    const query = new URL(lms.requests.find((r) => r.route === 'blocks')!.url, lms.url).searchParams;
    expect(Object.fromEntries(query)).toMatchObject({
      course_id: course.courseKey,
      all_blocks: 'true',
      depth: 'all',
      return_type: 'dict',
      student_view_data: 'video',
    });
    expect(blocks.root).toBe(course.blocks.root);
    expect(Object.keys(blocks.blocks).sort()).toEqual(Object.keys(course.blocks.blocks).sort());
    const unit = Object.values(blocks.blocks).find((b) => b.type === 'vertical')!;
    expect(unit.children).toHaveLength(3);
    const sequence = Object.values(blocks.blocks).find((b) => b.type === 'sequential')!;
    expect(sequence).toMatchObject({ graded: true, format: 'Homework', due: '2024-02-01T00:00:00Z' });
    expect(Object.values(blocks.blocks).find((b) => b.type === 'html')?.visible_to_staff_only).toBe(true);
    expect(Object.values(blocks.blocks).find((b) => b.type === 'problem')).toMatchObject({
      has_score: true,
      weight: 1,
    });
  });

  it('gets student_view_data for videos only', async () => {
    const { client } = clientFor(lms);
    const blocks = Object.values((await client.getBlocks(course.courseKey)).blocks);
    expect(blocks.find((b) => b.type === 'video')?.student_view_data).toMatchObject({ duration: 60 });
    expect(blocks.filter((b) => b.student_view_data !== undefined).map((b) => b.type)).toEqual(['video']);
  });

  it('rejects a body of the wrong shape as permanent, naming the path and the first problem', async () => {
    const { client, sleeps } = clientFor(lms);
    lms.malformed('/api/courses/v2/blocks/', 'shape');
    const err = await failure(client.getBlocks(course.courseKey));
    expect(err).toBeInstanceOf(LmsMalformedResponseError);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain('/api/courses/v2/blocks/');
    expect(err.message).toContain(course.courseKey);
    expect(err.message).toMatch(/at root: /);
    expect(sleeps).toEqual([]);
  });

  it('rejects a body that is not JSON as permanent', async () => {
    const { client } = clientFor(lms);
    for (const kind of ['html', 'truncated'] as const) {
      lms.reset();
      lms.malformed('/api/courses/v2/blocks/', kind);
      const err = await failure(client.getBlocks(course.courseKey));
      expect(err).toBeInstanceOf(LmsMalformedResponseError);
      expect(err.message).toContain('not JSON');
    }
  });
});

describe('LmsClient.getCourse and getSnapshot', () => {
  it('reads the detail as the service user named in the JWT', async () => {
    const { client } = clientFor(lms);
    const detail = await client.getCourse(course.courseKey);
    expect(detail).toEqual(course.detail);
    const request = lms.requests.find((r) => r.route === 'course')!;
    expect(new URL(request.url, lms.url).searchParams.get('username')).toBe(lms.credentials.username);
  });

  it('sees hidden courses because it asks as the service user', async () => {
    const hidden = smallCourse('course-v1:TestX+Hidden+2024');
    hidden.detail.hidden = true;
    lms.setCourse(hidden);
    const { client } = clientFor(lms);
    expect((await client.getCourse(hidden.courseKey)).hidden).toBe(true);
    lms.removeCourse(hidden.courseKey);
  });

  it('fetches detail and blocks together into one snapshot', async () => {
    let inFlight = 0;
    let peak = 0;
    const counting: typeof fetch = async (input, init) => {
      const api = String(input).includes('/api/');
      if (api) peak = Math.max(peak, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        if (api) inFlight--;
      }
    };
    const { client } = clientFor(lms, { fetch: counting });
    lms.slow(50, '/api/');
    const snapshot = await client.getSnapshot(course.courseKey);
    expect(peak).toBe(2);
    expect(snapshot).toMatchObject({ courseKey: course.courseKey, source: 'lms', detail: course.detail });
    expect(snapshot.blocks.root).toBe(course.blocks.root);
  });
});

describe('LmsClient.listCourses', () => {
  const many = Array.from({ length: 7 }, (_, i) =>
    smallCourse(`course-v1:${i % 2 ? 'OddX' : 'EvenX'}+C${i}+2024`),
  );
  beforeAll(() => many.forEach((c) => lms.setCourse(c)));
  afterAll(() => many.forEach((c) => lms.removeCourse(c.courseKey)));

  const collect = async <T>(it: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const item of it) out.push(item);
    return out;
  };

  it('follows pagination.next across pages until it is null', async () => {
    const { client } = clientFor(lms);
    const listed = await collect(client.listCourses({ pageSize: 3 }));
    expect(listed.map((c) => c.id).sort()).toEqual([...many, course].map((c) => c.courseKey).sort());
    expect(lms.count('courses')).toBe(3);
    expect(listed.every((c) => c.overview === undefined)).toBe(true);
  });

  it('filters by org and by course keys', async () => {
    const { client } = clientFor(lms);
    const odd = await collect(client.listCourses({ org: 'oddx', pageSize: 2 }));
    expect(odd.map((c) => c.org)).toEqual(['OddX', 'OddX', 'OddX']);
    const picked = [many[0]!.courseKey, many[5]!.courseKey];
    expect((await collect(client.listCourses({ courseKeys: picked }))).map((c) => c.id).sort()).toEqual(
      picked.sort(),
    );
    expect(await collect(client.listCourses({ courseKeys: [] }))).toEqual([]);
  });

  it('refuses to follow a next link to another host', async () => {
    const { client } = clientFor(lms);
    lms.failNext('/api/courses/v1/courses/', {
      status: 200,
      body: { results: [], pagination: { next: 'http://elsewhere.example/api/courses/v1/courses/?page=2' } },
    });
    const err = await failure(collect(client.listCourses()));
    expect(err).toBeInstanceOf(LmsPermanentError);
    expect(err.message).toContain('elsewhere.example');
    expect(lms.count('courses')).toBe(1);
  });
});

describe('LmsClient against the Open edX demo course', () => {
  const fixtureDir = fileURLToPath(new URL('../../fixtures/demo-course/', import.meta.url));

  it('reads back the demo course the test LMS serves from its recorded LMS responses', async () => {
    const [demo] = await lms.loadFixtures(fixtureDir);
    const { client } = clientFor(lms);
    const snapshot = await client.getSnapshot(demo!.courseKey);
    expect(snapshot.detail).toEqual(demo!.detail);
    const stored = demo!.blocks.blocks;
    const reachable = new Set<string>();
    const walk = (key: string) => {
      if (reachable.has(key) || !stored[key]) return;
      reachable.add(key);
      stored[key].children?.forEach(walk);
    };
    walk(demo!.blocks.root);
    // Like the real LMS, only the course root's descendants come back.
    expect(new Set(Object.keys(snapshot.blocks.blocks))).toEqual(reachable);
    for (const key of reachable) expect(snapshot.blocks.blocks[key]).toEqual(stored[key]);
    lms.removeCourse(demo!.courseKey);
  });
});
