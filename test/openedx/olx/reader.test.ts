import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlocksResponseSchema,
  CourseDetailSchema,
  VideoStudentViewDataSchema,
} from '../../../src/openedx/api-types.js';
import { OlxReadError, readOlxCourse } from '../../../src/openedx/olx/index.js';
import { DEMO_OLX } from '../../support/shared.js';

const DEMO = DEMO_OLX;
const K = (type: string, id: string) => `block-v1:Org+Num+Run1+type@${type}+block@${id}`;

let work: string;
let small: string;

/** A small export exercising pointers, inline children, policy overrides and video sources. */
const SMALL_EXPORT: Record<string, string> = {
  'course.xml': '<course url_name="Run1" org="Org" course="Num"/>',
  'course/Run1.xml':
    '<course display_name="From XML" start="2024-02-01T10:00:00Z"><chapter url_name="ch1"/><chapter url_name="no_file"/><wiki slug="x"/></course>',
  'chapter/ch1.xml': `<chapter display_name="Ch 1">
    <sequential url_name="seq1" display_name="Inline seq" graded="true" format="Homework">
      <vertical url_name="v1">
        <html url_name="h1"/>
        <problem url_name="inline_p" display_name="Inline problem"><multiplechoiceresponse><choicegroup/></multiplechoiceresponse></problem>
        <video url_name="vid" youtube="0.75:slow,1.00:norm" html5_sources="[&quot;https://cdn.test/a.mp4&quot;]"><source src="https://cdn.test/b.webm"/></video>
        <video url_name="val" edx_video_id="abc"><video_asset duration="12.5"><encoded_video profile="desktop_mp4" url="https://cdn.test/d.mp4" file_size="100" bitrate="1"/></video_asset></video>
        <library_content url_name="lib"><problem url_name="lp1"/><problem url_name="lp2"/></library_content>
      </vertical>
    </sequential>
  </chapter>`,
  'html/h1.xml': '<html filename="h1"/>',
  'html/h1.html': '<p>hi</p>',
  'problem/lp1.xml': '<problem display_name="Library question"><p/></problem>',
  'problem/lp2.xml': '<problem><p/></problem>',
  'policies/Run1/policy.json': JSON.stringify({
    'course/Run1': { display_name: 'From Policy', self_paced: false, course_image: 'img.png' },
    'html/h1': { display_name: 'Named by policy' },
  }),
  'about/short_description.html': '  Short.  ',
  'about/effort.html': '2 hours',
  'info/handouts.html': '<ol></ol>',
  'tabs/syllabus.html': '<p/>',
};

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'olx-reader-'));
  small = path.join(work, 'small');
  for (const [file, text] of Object.entries(SMALL_EXPORT)) {
    await mkdir(path.dirname(path.join(small, file)), { recursive: true });
    await writeFile(path.join(small, file), text);
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('OLX reader', () => {
  it('produces a valid Blocks API response keyed by block-v1 usage keys', async () => {
    const snapshot = await readOlxCourse(small);
    const blocks = BlocksResponseSchema.parse(snapshot.blocks).blocks;
    expect(snapshot.courseKey).toBe('course-v1:Org+Num+Run1');
    expect(snapshot.blocks.root).toBe(K('course', 'course'));
    expect(blocks[K('html', 'h1')]).toMatchObject({
      block_id: 'h1',
      type: 'html',
      student_view_url: `/xblock/${K('html', 'h1')}`,
      lms_web_url: `/courses/course-v1:Org+Num+Run1/jump_to/${K('html', 'h1')}`,
    });
    expect(snapshot.source).toBe(`olx:${small}`);
  });

  it('follows pointer tags, takes inline children in document order and skips pointers to missing files', async () => {
    const { blocks } = (await readOlxCourse(small)).blocks;
    expect(blocks[K('course', 'course')]!.children).toEqual([K('chapter', 'ch1')]);
    expect(blocks[K('vertical', 'v1')]!.children).toEqual([
      K('html', 'h1'),
      K('problem', 'inline_p'),
      K('video', 'vid'),
      K('video', 'val'),
      K('library_content', 'lib'),
    ]);
    expect(blocks[K('library_content', 'lib')]!.children).toEqual([K('problem', 'lp1'), K('problem', 'lp2')]);
    expect(blocks[K('problem', 'inline_p')]!.children).toBeUndefined();
  });

  it('applies policy.json over the XML attributes and runtime defaults where no name is set', async () => {
    const snapshot = await readOlxCourse(small);
    const { blocks } = snapshot.blocks;
    expect(blocks[K('course', 'course')]!.display_name).toBe('From Policy');
    expect(blocks[K('html', 'h1')]!.display_name).toBe('Named by policy');
    expect(blocks[K('problem', 'lp2')]!.display_name).toBe('Blank Problem');
    expect(blocks[K('vertical', 'v1')]!.display_name).toBe('');
    expect(blocks[K('library_content', 'lib')]!.display_name).toBe('Randomized Content Block');
  });

  it('reports graded as inherited and format only where set', async () => {
    const { blocks } = (await readOlxCourse(small)).blocks;
    expect(blocks[K('chapter', 'ch1')]).toMatchObject({ graded: false });
    expect(blocks[K('sequential', 'seq1')]).toMatchObject({ graded: true, format: 'Homework' });
    expect(blocks[K('problem', 'lp1')]).toMatchObject({ graded: true });
    expect(blocks[K('problem', 'lp1')]!.format).toBeUndefined();
  });

  it('builds video student_view_data from html5 sources, youtube speeds and edx-val encodings', async () => {
    const { blocks } = (await readOlxCourse(small)).blocks;
    const plain = VideoStudentViewDataSchema.parse(blocks[K('video', 'vid')]!.student_view_data);
    expect(plain.encoded_videos).toEqual({
      fallback: { url: 'https://cdn.test/a.mp4', file_size: 0 },
      youtube: { url: 'https://www.youtube.com/watch?v=norm', file_size: 0 },
    });
    expect(plain.all_sources).toEqual(['https://cdn.test/a.mp4', 'https://cdn.test/b.webm']);
    const val = VideoStudentViewDataSchema.parse(blocks[K('video', 'val')]!.student_view_data);
    expect(val).toMatchObject({
      duration: 12.5,
      encoded_videos: { desktop_mp4: { url: 'https://cdn.test/d.mp4', file_size: 100 } },
    });
    // A block field, as the LMS sends it with COURSE_BLOCKS_API_EXTRA_FIELDS, not part of student_view_data.
    expect(val).not.toHaveProperty('edx_video_id');
    expect(blocks[K('video', 'val')]!.edx_video_id).toBe('abc');
  });

  it('adds the about, info and static tab blocks outside the tree', async () => {
    const { blocks } = (await readOlxCourse(small)).blocks;
    expect(blocks[K('about', 'short_description')]).toMatchObject({
      type: 'about',
      display_name: 'overview',
    });
    expect(blocks[K('course_info', 'handouts')]).toMatchObject({ type: 'course_info' });
    expect(blocks[K('static_tab', 'syllabus')]).toMatchObject({ type: 'static_tab', display_name: 'Empty' });
  });

  it('shapes the course detail like the Courses API', async () => {
    const detail = CourseDetailSchema.parse((await readOlxCourse(small)).detail);
    expect(detail).toMatchObject({
      id: 'course-v1:Org+Num+Run1',
      name: 'From Policy',
      org: 'Org',
      number: 'Num',
      start: '2024-02-01T10:00:00Z',
      end: null,
      pacing: 'instructor',
      short_description: 'Short.',
      effort: '2 hours',
      media: { course_image: { uri: '/asset-v1:Org+Num+Run1+type@asset+block@img.png' } },
    });
  });

  it('uses an explicit course key when given one', async () => {
    const snapshot = await readOlxCourse(small, { courseKey: 'course-v1:Other+Num+Rerun' });
    expect(snapshot.blocks.root).toBe('block-v1:Other+Num+Rerun+type@course+block@course');
    expect(snapshot.detail.id).toBe('course-v1:Other+Num+Rerun');
  });

  it('reads the Studio .tar.gz export (one top folder holding course.xml) like the folder', async () => {
    const archive = path.join(work, 'demo.tar.gz');
    await tar.c({ gzip: true, file: archive, cwd: path.dirname(DEMO), prefix: '' }, [path.basename(DEMO)]);
    const fromTar = await readOlxCourse(archive);
    const fromDir = await readOlxCourse(DEMO);
    expect(fromTar.blocks).toEqual(fromDir.blocks);
    expect(fromTar.detail).toEqual(fromDir.detail);
    expect(Object.keys(fromTar.blocks.blocks)).toHaveLength(413);
  });

  it('fails with a permanent OlxReadError naming the folder when course.xml is absent', async () => {
    const empty = path.join(work, 'empty');
    await mkdir(empty, { recursive: true });
    await expect(readOlxCourse(empty)).rejects.toThrow(OlxReadError);
    await expect(readOlxCourse(empty)).rejects.toThrow(empty);
  });

  it('reads the demo course detail', async () => {
    const detail = (await readOlxCourse(DEMO)).detail;
    expect(detail).toMatchObject({
      name: 'Open edX Demo Course',
      org: 'OpenedX',
      number: 'DemoX',
      pacing: 'self',
      start: '2020-01-01T00:00:00Z',
      end: null,
    });
    expect(detail.short_description).toMatch(/^Explore Open edX® capabilities/);
  });
});
