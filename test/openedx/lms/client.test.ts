import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/errors.js';
import { compactBlock } from '../../../src/openedx/api-types.js';
import { LmsMalformedResponseError, LmsPermanentError } from '../../../src/openedx/lms/index.js';
import { TestLms } from '../../peers/openedx/server.js';
import { lmsSnapshot, SNAPSHOT_ORIGIN } from '../../peers/openedx/snapshot.js';
import { EXTRA_FIELDS } from '../../support/synthetic-course.js';
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
  it('asks BlocksView by the root usage key for every block at every depth with the fields the outline needs', async () => {
    const { client } = clientFor(lms);
    const blocks = await client.getBlocks(course.courseKey);
    const request = lms.requests.find((r) => r.route === 'blocks')!;
    const url = new URL(request.url, lms.url);
    expect(decodeURIComponent(url.pathname)).toBe(
      '/api/courses/v2/blocks/block-v1:TestX+LMS101+2024+type@course+block@course/',
    );
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      all_blocks: 'true',
      depth: 'all',
      return_type: 'dict',
      student_view_data: 'video',
    });
    expect(url.searchParams.has('course_id')).toBe(false);
    expect(lms.count('blocks_in_course')).toBe(0);
    expect(blocks.root).toBe('block-v1:TestX+LMS101+2024+type@course+block@course');
    // The tree only: the about block is detached and never comes back.
    expect(Object.values(blocks.blocks).map((b) => b.type)).toEqual([
      'course',
      'chapter',
      'sequential',
      'vertical',
      'problem',
      'video',
      'html',
    ]);
    const unit = Object.values(blocks.blocks).find((b) => b.type === 'vertical')!;
    expect(unit.children).toHaveLength(3);
    const sequence = Object.values(blocks.blocks).find((b) => b.type === 'sequential')!;
    expect(sequence).toMatchObject({ graded: true });
    expect(Object.values(blocks.blocks).find((b) => b.type === 'problem')).toMatchObject({ graded: true });
    // Kept as compactBlock keeps it: what the outline, rows and manifest read, nothing the API adds besides.
    for (const block of Object.values(blocks.blocks)) {
      expect(block).toEqual(compactBlock(block));
      expect(block.lms_web_url).toBeUndefined();
    }
    const video = Object.values(blocks.blocks).find((b) => b.type === 'video')!;
    expect(video.student_view_data).toBeDefined();
  });

  it('gets student_view_data for videos only, and no edx_video_id in it', async () => {
    const { client } = clientFor(lms);
    const blocks = Object.values((await client.getBlocks(course.courseKey)).blocks);
    const video = blocks.find((b) => b.type === 'video')!;
    expect(video.student_view_data).toMatchObject({
      only_on_web: false,
      encoded_videos: { youtube: { url: 'https://www.youtube.com/watch?v=x', file_size: 0 } },
    });
    expect(video.student_view_data).not.toHaveProperty('edx_video_id');
    expect(blocks.filter((b) => b.student_view_data !== undefined).map((b) => b.type)).toEqual(['video']);
  });

  it('reads edx_video_id, edited_on and completion_mode once COURSE_BLOCKS_API_EXTRA_FIELDS exposes them', async () => {
    const withVideoId = smallCourse('course-v1:TestX+Extra+2024');
    withVideoId.blocks.find((b) => b.type === 'video')!.fields.edx_video_id = 'abc-123';
    lms.setCourse(withVideoId);
    const { client } = clientFor(lms);
    const before = Object.values((await client.getBlocks(withVideoId.courseKey)).blocks);
    expect(before.some((b) => 'edx_video_id' in b || 'edited_on' in b || 'completion_mode' in b)).toBe(false);

    lms.configure({ courseBlocksApiExtraFields: EXTRA_FIELDS });
    // The setting applies to structures collected after it changed.
    expect(
      Object.values((await client.getBlocks(withVideoId.courseKey)).blocks).some((b) => 'edited_on' in b),
    ).toBe(false);
    lms.recollectAll();
    const after = Object.values((await client.getBlocks(withVideoId.courseKey)).blocks);
    expect(after.find((b) => b.type === 'video')).toMatchObject({
      edx_video_id: 'abc-123',
      completion_mode: 'completable',
      edited_on: '2024-01-10T12:00:00.250000Z',
    });
    expect(after.find((b) => b.type === 'vertical')?.completion_mode).toBe('aggregator');
    // A class that declares no completion_mode has none to expose.
    expect(after.find((b) => b.type === 'html')).not.toHaveProperty('completion_mode');
    lms.configure({ courseBlocksApiExtraFields: [] });
    lms.recollectAll();
    lms.removeCourse(withVideoId.courseKey);
  });

  it('keeps discussion blocks in place when the course uses the openedx discussion provider', async () => {
    const discussed = smallCourse('course-v1:TestX+Talk+2024');
    discussed.discussionProvider = 'openedx';
    discussed.blocks.find((b) => b.id === 'unit1')!.children = ['p1', 'd1', 'v1', 'h1'];
    discussed.blocks.push({
      type: 'discussion',
      id: 'd1',
      fields: {},
      children: [],
      editedOn: '2024-01-10T12:00:00+00:00',
    });
    lms.setCourse(discussed);
    const { client } = clientFor(lms);
    const blocks = await client.getBlocks(discussed.courseKey);
    const unit = Object.values(blocks.blocks).find((b) => b.type === 'vertical')!;
    expect(unit.children?.map((c) => c.split('@').pop())).toEqual(['p1', 'd1', 'v1', 'h1']);
    expect(Object.values(blocks.blocks).filter((b) => b.type === 'discussion')).toHaveLength(1);
    lms.removeCourse(discussed.courseKey);
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

  it('names the block and the field when one block of the streamed answer is of the wrong shape', async () => {
    const { client, sleeps } = clientFor(lms, {
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (!String(input).includes('/api/courses/v2/blocks/')) return res;
        const body = (await res.text())
          .replace('"type": "video"', '"type": 7')
          .replace('"type":"video"', '"type":7');
        return new Response(body, { status: res.status, headers: res.headers });
      },
    });
    const err = await failure(client.getBlocks(course.courseKey));
    expect(err).toBeInstanceOf(LmsMalformedResponseError);
    expect(err.message).toMatch(/at blocks\.block-v1:TestX\+LMS101\+2024\+type@video\+block@[^.]+\.type: /);
    expect(sleeps).toEqual([]);
  });

  it('fetches the answer again when the connection drops in the middle of it', async () => {
    let cut = 0;
    const { client, sleeps } = clientFor(lms, {
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (!String(input).includes('/api/courses/v2/blocks/') || cut++ > 0) return res;
        const text = await res.text();
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(text.slice(0, text.length / 2)));
            controller.error(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
          },
        });
        return new Response(body, { status: 200, headers: res.headers });
      },
    });
    const blocks = await client.getBlocks(course.courseKey);
    expect(Object.keys(blocks.blocks)).toHaveLength(7);
    expect(sleeps).toHaveLength(1);
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
    expect(detail).toMatchObject({
      id: course.courseKey,
      name: 'Testing the LMS',
      org: 'TestX',
      number: 'LMS101',
    });
    expect(detail.media?.image?.raw).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/asset-v1:/);
    const request = lms.requests.find((r) => r.route === 'course')!;
    expect(new URL(request.url, lms.url).searchParams.get('username')).toBe(lms.credentials.username);
  });

  it('sees hidden courses because it asks as the service user', async () => {
    const hidden = smallCourse('course-v1:TestX+Hidden+2024');
    hidden.blocks[0]!.fields.catalog_visibility = 'none';
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
    expect(snapshot).toMatchObject({ courseKey: course.courseKey, source: 'lms' });
    expect(snapshot.studio).toBeUndefined();
    expect(snapshot.blocks.root).toBe('block-v1:TestX+LMS101+2024+type@course+block@course');
  });

  it("reads Studio's advanced settings, grade cutoffs and static tabs with the same JWT when CMS_BASE_URL is set", async () => {
    const studied = smallCourse('course-v1:TestX+Studio+2024');
    Object.assign(studied.blocks[0]!.fields, {
      advertised_start: 'Spring 2024',
      max_student_enrollments_allowed: 250,
      grading_policy: { GRADE_CUTOFFS: { A: 0.9, B: 0.755, Pass: 0.6 } },
      tabs: [
        { type: 'courseware', name: 'Course' },
        { type: 'static_tab', name: 'Syllabus', url_slug: 'syllabus' },
      ],
    });
    studied.blocks.push({
      type: 'static_tab',
      id: 'syllabus',
      fields: { display_name: 'Syllabus' },
      children: [],
      editedOn: '2024-01-02T00:00:00+00:00',
    });
    lms.setCourse(studied);
    const { client } = clientFor(lms, { cmsBaseUrl: lms.cmsUrl });
    const snapshot = await client.getSnapshot(studied.courseKey);
    expect(snapshot.source).toBe('lms+cms');
    expect(snapshot.studio).toMatchObject({
      lowestPassingGrade: 0.6,
      staticTabs: [{ id: 'block-v1:TestX+Studio+2024+type@static_tab+block@syllabus', name: 'Syllabus' }],
    });
    expect(snapshot.studio?.advancedSettings).toMatchObject({
      advertised_start: 'Spring 2024',
      max_student_enrollments_allowed: 250,
      invitation_only: false,
    });
    expect(snapshot.blocks.blocks['block-v1:TestX+Studio+2024+type@static_tab+block@syllabus']).toMatchObject(
      {
        type: 'static_tab',
        display_name: 'Syllabus',
      },
    );
    expect(lms.count('advanced_settings') + lms.count('course_grading') + lms.count('tabs')).toBe(3);
    const auth = lms.requests.filter((r) => r.route === 'advanced_settings');
    expect(auth.every((r) => r.status === 200)).toBe(true);
    lms.removeCourse(studied.courseKey);
  });

  it('takes a course on legacy custom pages as having no static tabs', async () => {
    lms.setStudioFlags({ legacyCustomPages: true });
    const { client } = clientFor(lms, { cmsBaseUrl: lms.cmsUrl });
    const snapshot = await client.getSnapshot(course.courseKey);
    expect(snapshot.studio?.staticTabs).toEqual([]);
  });
});

describe('LmsClient.listCourseKeys', () => {
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

  it('lists every course key through CourseIdListView as the staff service user', async () => {
    const { client } = clientFor(lms);
    const listed = await collect(client.listCourseKeys());
    expect(listed).toEqual([...many, course].map((c) => c.courseKey).sort());
    const query = new URL(lms.requests.find((r) => r.route === 'course_ids')!.url, lms.url).searchParams;
    expect(Object.fromEntries(query)).toEqual({
      role: 'staff',
      page_size: '1000',
      username: lms.credentials.username,
    });
  });

  it("filters on the key's org, whatever display org a course shows", async () => {
    many[1]!.blocks[0]!.fields.display_organization = 'Odd Display Org';
    const { client } = clientFor(lms);
    expect(await collect(client.listCourseKeys({ org: 'oddx' }))).toEqual(
      [many[1], many[3], many[5]].map((c) => c!.courseKey),
    );
  });

  it('follows pagination.next and refuses a next link to another host', async () => {
    const { client } = clientFor(lms);
    lms.failNext('/api/courses/v1/course_ids/', {
      status: 200,
      body: {
        results: ['course-v1:A+B+C'],
        pagination: {
          next: `${lms.url}/api/courses/v1/course_ids/?role=staff&username=${lms.credentials.username}&page_size=1000&page=2`,
        },
      },
    });
    lms.failNext('/api/courses/v1/course_ids/', {
      status: 200,
      body: {
        results: ['course-v1:A+B+D'],
        pagination: { next: 'http://elsewhere.example/api/courses/v1/course_ids/?page=3' },
      },
    });
    const err = await failure(collect(client.listCourseKeys()));
    expect(err).toBeInstanceOf(LmsPermanentError);
    expect(err.message).toContain('elsewhere.example');
    expect(lms.count('course_ids')).toBe(2);
  });
});

describe('LmsClient against the Open edX demo course', () => {
  const fixtureDir = fileURLToPath(new URL('../../fixtures/demo-course/', import.meta.url));

  it('reads what the recorded answers hold: the course and every block of its tree, discussions included', async () => {
    const [demo] = await lms.loadFixtures(fixtureDir);
    lms.configure({ courseBlocksApiExtraFields: EXTRA_FIELDS });
    lms.recollectAll();
    const { client } = clientFor(lms);
    const snapshot = await client.getSnapshot(demo!.courseKey);
    const recorded = lmsSnapshot(demo!, { settings: { courseBlocksApiExtraFields: EXTRA_FIELDS } });
    const origin = (text: string) => text.replaceAll(lms.url, SNAPSHOT_ORIGIN);
    expect(JSON.parse(origin(JSON.stringify(snapshot.detail)))).toEqual(recorded.detail);
    const compact = Object.fromEntries(
      Object.entries(recorded.blocks.blocks).map(([id, block]) => [id, compactBlock(block)]),
    );
    expect(JSON.parse(origin(JSON.stringify(snapshot.blocks)))).toEqual({
      root: recorded.blocks.root,
      blocks: compact,
    });
    expect(
      Object.values(snapshot.blocks.blocks).filter((b) => b.type === 'discussion').length,
    ).toBeGreaterThan(0);
    lms.configure({ courseBlocksApiExtraFields: [] });
    lms.recollectAll();
    lms.removeCourse(demo!.courseKey);
  });
});
