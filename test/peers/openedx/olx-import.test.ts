import { readFileSync } from 'node:fs';

import { beforeAll, describe, expect, it } from 'vitest';

import type { ModulestoreBlock, ModulestoreCourse } from './modulestore.js';
import { importOlxCourse } from './olx-import.js';
import { DEMO_EXPECTED_TREE, DEMO_OLX } from '../../support/shared.js';

const DEMO_DIR = DEMO_OLX;
const DEMO_TREE = DEMO_EXPECTED_TREE;
const KEY = 'course-v1:OpenedX+DemoX+DemoCourse';

interface ExpectedNode {
  block_type: string;
  block_id: string;
  display_name: string | null;
  depth: number;
  graded: string | null;
  format: string | null;
  order: number;
  location: string;
  graded_inh: number;
}

const expected = JSON.parse(readFileSync(DEMO_TREE, 'utf8')) as ExpectedNode[];

/** Pre-order walk from the course block, with depth and inherited `graded`. */
function preorder(
  course: ModulestoreCourse,
): Array<{ block: ModulestoreBlock; depth: number; graded: boolean }> {
  const byId = new Map(course.blocks.map((b) => [b.id, b]));
  const out: Array<{ block: ModulestoreBlock; depth: number; graded: boolean }> = [];
  const walk = (b: ModulestoreBlock, depth: number, inherited: boolean): void => {
    const graded = 'graded' in b.fields ? Boolean(b.fields.graded) : inherited;
    out.push({ block: b, depth, graded });
    for (const c of b.children) walk(byId.get(c) as ModulestoreBlock, depth + 1, graded);
  };
  walk(byId.get('course') as ModulestoreBlock, 0, false);
  return out;
}

describe('importOlxCourse on the demo course', () => {
  let course: ModulestoreCourse;
  beforeAll(async () => {
    course = await importOlxCourse(DEMO_DIR, {
      courseKey: KEY,
      valEncodings: (id) => [
        { profile: 'desktop_mp4', url: `https://media.example/${id}.mp4`, fileSize: 1, bitrate: 1 },
      ],
    });
  });

  it('builds the expected pre-order tree: ids, types, depths, names, format, graded', () => {
    const tree = preorder(course);
    expect(tree.map((t) => `${t.block.type}/${t.block.id}`)).toEqual(
      expected.map((e) => `${e.block_type}/${e.block_id}`),
    );
    tree.forEach((t, i) => {
      const e = expected[i] as ExpectedNode;
      expect({ depth: t.depth, name: t.block.fields.display_name ?? null }).toEqual({
        depth: e.depth,
        name: e.display_name,
      });
      // The expected file records the XML attribute text; the block holds the Boolean field's value.
      expect(t.block.fields.graded === undefined ? null : String(t.block.fields.graded)).toEqual(e.graded);
      expect(t.block.fields.format ?? null).toEqual(e.format);
      expect(t.graded ? 1 : 0).toBe(e.graded_inh);
    });
  });

  it('puts the tree first and the detached about / course_info blocks after it', () => {
    const treeLen = expected.length;
    expect(course.blocks.slice(0, treeLen).map((b) => b.id)).toEqual(expected.map((e) => e.block_id));
    const rest = course.blocks.slice(treeLen);
    expect(rest.every((b) => ['about', 'static_tab', 'course_info'].includes(b.type))).toBe(true);
    expect(rest.filter((b) => b.type === 'about').map((b) => b.id)).toContain('overview');
    expect(rest.filter((b) => b.type === 'course_info').map((b) => b.id)).toEqual(['handouts', 'updates']);
    expect(rest.find((b) => b.id === 'updates')?.fields.items).toBeInstanceOf(Array);
  });

  it('reads course settings from the policy and the grading policy', () => {
    const root = course.blocks[0] as ModulestoreBlock;
    expect(root.type).toBe('course');
    expect(root.fields.display_name).toBe('Open edX Demo Course');
    expect(root.fields.self_paced).toBe(true);
    expect(root.fields.start).toBe('2020-01-01T00:00:00Z');
    // The policy overrides the XML attribute (course_image differs between the two).
    expect(root.fields.course_image).toBe('DemoX-Course-Card.png');
    expect((root.fields.grading_policy as { GRADE_CUTOFFS: unknown }).GRADE_CUTOFFS).toEqual({ Pass: 0.5 });
    expect(root.fields.wiki).toBeUndefined();
    expect(course.discussionProvider).toBe('legacy');
  });

  it('parses JSON-typed attributes and keeps String fields as text', async () => {
    const video = course.blocks.find((b) => b.id === '078de40d92a54047b951a2e7a8e2a348') as ModulestoreBlock;
    expect(video.fields.html5_sources).toEqual([]);
    expect(video.fields.download_track).toBe(true);
    expect(video.fields.transcripts).toEqual({
      en: '48c991fb-083c-45e1-adad-930d2b11b11e-en.srt',
      es: '48c991fb-083c-45e1-adad-930d2b11b11e-es.srt',
    });
    expect(video.fields.youtube_id_1_0).toBe('AOUEsgFrYeg');
    expect(video.fields.start_time).toBe('00:11:39');
    const overridden = await importOlxCourse(DEMO_DIR, { courseKey: KEY, discussionProvider: 'openedx' });
    expect(overridden.discussionProvider).toBe('openedx');
  });

  it('loads html bodies from their .html files', () => {
    const html = course.blocks.find((b) => b.type === 'html') as ModulestoreBlock;
    expect(typeof html.fields.data).toBe('string');
    expect((html.fields.data as string).length).toBeGreaterThan(0);
  });

  it('stamps deterministic edited_on values and CourseOverview timestamps', () => {
    expect(course.blocks[0]?.editedOn).toBe('2024-01-01T00:00:00.000000+00:00');
    expect(course.blocks[1]?.editedOn).toBe('2024-01-01T00:00:00.000001+00:00');
    expect(new Set(course.blocks.map((b) => b.editedOn)).size).toBe(course.blocks.length);
    expect(course.overview).toEqual({
      created: '2024-01-01T00:00:00.000000+00:00',
      modified: '2024-01-02T00:00:00.000000+00:00',
      externalId: null,
      hiddenByOrgFilter: false,
    });
  });

  it('registers each edx_video_id in VAL with the encodings the option gives', () => {
    const video = course.val.find((v) => v.edxVideoId === '48c991fb-083c-45e1-adad-930d2b11b11e');
    expect(video?.encodings[0]?.url).toBe('https://media.example/48c991fb-083c-45e1-adad-930d2b11b11e.mp4');
    expect(video?.duration).toBe(0);
  });
});
