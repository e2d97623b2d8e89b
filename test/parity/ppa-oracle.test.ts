import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { blockOf, EDGE_COURSE_KEY, EDGE_COURSE_NAME, edgeCourse } from '../peers/openedx/edge-course.js';
import { importOlxCourse } from '../peers/openedx/olx-import.js';
import {
  drfIsoDatetime,
  ppaRows,
  pyIsoformatUtc,
  pyJsonDumps,
  pyStrDatetime,
  type BlockRow,
} from './ppa-oracle.js';
import { DEMO_EXPECTED_TREE, DEMO_OLX } from '../support/shared.js';

const DUMP = {
  dumpId: '6f1c1a52-4c43-4d2e-9a51-0b0c2f9d1e77',
  timeLastDumped: '2025-03-01 12:00:00.654321+00:00',
};

interface ExpectedNode {
  block_type: string;
  block_id: string;
  order: number;
  section: number;
  subsection: number;
  unit: number;
  location: string;
  graded_inh: number;
}

const data = (row: BlockRow): Record<string, unknown> =>
  JSON.parse(String(row.xblock_data_json)) as Record<string, unknown>;

describe('ppaRows on the demo course', () => {
  it('reproduces the expected order, section/subsection/unit and inherited graded, then the detached blocks', async () => {
    const expected = JSON.parse(readFileSync(DEMO_EXPECTED_TREE, 'utf8')) as ExpectedNode[];
    const course = await importOlxCourse(DEMO_OLX, {
      courseKey: 'course-v1:OpenedX+DemoX+DemoCourse',
    });
    const { blocks, overview } = ppaRows(course, DUMP);
    const tree = blocks.slice(0, expected.length);
    expect(
      tree.map((r) => {
        const d = data(r);
        return [r.location, r.order, d.section, d.subsection, d.unit, d.graded];
      }),
    ).toEqual(expected.map((e) => [e.location, e.order, e.section, e.subsection, e.unit, e.graded_inh]));
    const detached = blocks.slice(expected.length);
    expect(detached.length).toBe(course.blocks.length - expected.length);
    for (const row of detached) {
      expect(data(row)).toMatchObject({ detached: 1, section: 0, subsection: 0, unit: 0 });
    }
    expect(overview.org).toBe('OpenedX');
    expect(overview.course_start).toBe('2020-01-01 00:00:00+00:00');
    expect(overview.self_paced).toBe(true);
    expect(JSON.parse(String(overview.course_data_json))).toMatchObject({
      lowest_passing_grade: 0.5,
      language: 'en',
    });
  });
});

describe('ppaRows on the edge course', () => {
  const tags = (id: string): number[] =>
    id === EDGE_COURSE_KEY ? [3, 1] : id.endsWith('@disc_mid') ? [7] : [];
  const { overview, blocks } = ppaRows(edgeCourse(), DUMP, tags);
  const row = (id: string): BlockRow => {
    const found = blocks.find((r) => String(r.location).endsWith(`+block@${id}`));
    if (!found) throw new Error(`no row for ${id}`);
    return found;
  };
  const at = (id: string): [unknown, unknown, unknown] => {
    const d = data(row(id));
    return [d.section, d.subsection, d.unit];
  };

  it('writes the overview row the way CourseOverviewSerializer does', () => {
    expect(overview).toEqual({
      org: 'EdgeOrg',
      course_key: EDGE_COURSE_KEY,
      display_name: EDGE_COURSE_NAME,
      course_start: '2025-01-01 00:00:00+00:00',
      course_end: '2025-06-30 12:30:00.250000+00:00',
      enrollment_start: '2024-12-01T00:00:00Z',
      enrollment_end: '2025-01-15T08:00:00.000001Z',
      self_paced: false,
      course_data_json:
        '{"advertised_start": "Spring 2025", "announcement": "2024-11-20T09:30:00.500000+00:00", ' +
        '"lowest_passing_grade": 0.56, "invitation_only": true, "max_student_enrollments_allowed": 500, ' +
        '"effort": "3 hours/week", "enable_proctored_exams": true, "entrance_exam_enabled": true, ' +
        '"external_id": "ext-edge-42", "language": "fr", "tags": [3, 1]}',
      created: '2024-10-01T10:00:00.123456Z',
      modified: '2025-02-03T04:05:06Z',
      dump_id: DUMP.dumpId,
      time_last_dumped: DUMP.timeLastDumped,
    });
  });

  it('uses the key org, never the display organization, and keeps &amp; as written', () => {
    expect(blocks.every((r) => r.org === 'EdgeOrg')).toBe(true);
    expect(row('course').display_name).toBe(EDGE_COURSE_NAME);
    expect(String(row('course').display_name)).toContain('R&amp;D <b>Edge</b>');
  });

  it('keeps discussion blocks mid-tree whatever the provider, in order', () => {
    expect(row('disc_mid').order).toBe(6);
    expect(data(row('disc_mid'))).toMatchObject({ completion_mode: 'excluded', graded: 1, tags: [7] });
    expect(row('disc_after').order).toBe(27);
    expect(row('disc_last').order).toBe(33);
  });

  it('does not count legacy problemset / videosequence containers as subsections', () => {
    expect(at('v_videos')).toEqual([1, 1, 2]);
    expect(at('legacy_problemset')).toEqual([1, 1, 2]);
    expect(at('ps_problem')).toEqual([1, 1, 2]);
    expect(at('seq_tools')).toEqual([1, 2, 0]);
    expect(at('legacy_videos')).toEqual([1, 2, 3]);
    expect(at('edge_chapter_2')).toEqual([2, 0, 0]);
    expect(at('v_last')).toEqual([2, 1, 1]);
  });

  it('counts verticals nested in split_test like any unit', () => {
    expect(at('split_1')).toEqual([1, 2, 1]);
    expect(at('split_a')).toEqual([1, 2, 2]);
    expect(at('split_a_html')).toEqual([1, 2, 2]);
    expect(at('split_b')).toEqual([1, 2, 3]);
  });

  it('puts the detached blocks at the end in modulestore order with 0/0/0, and drops the orphan', () => {
    expect(blocks).toHaveLength(39);
    expect(blocks.map((r) => r.order)).toEqual(blocks.map((_, i) => i + 1));
    expect(blocks.slice(33).map((r) => String(r.location).split('+type@')[1])).toEqual([
      'about+block@overview',
      'about+block@effort',
      'about+block@short_description',
      'static_tab+block@syllabus',
      'course_info+block@updates',
      'course_info+block@handouts',
    ]);
    for (const r of blocks.slice(33))
      expect(data(r)).toMatchObject({ detached: 1, section: 0, subsection: 0, unit: 0 });
    expect(blocks.some((r) => String(r.location).endsWith('@orphan_html'))).toBe(false);
  });

  it('inherits graded from the sequential and not across siblings', () => {
    expect(
      ['seq_graded', 'v_problems', 'edge_problem_1', 'html_empty', 'video_youtube'].map(
        (id) => data(row(id)).graded,
      ),
    ).toEqual([1, 1, 1, 1, 1]);
    expect(
      ['ch_intro', 'legacy_problemset', 'seq_tools', 'lib_p1'].map((id) => data(row(id)).graded),
    ).toEqual([0, 0, 0, 0]);
  });

  it('takes completion_mode from each block class', () => {
    const modes = Object.fromEntries(
      [
        'course',
        'ch_intro',
        'seq_graded',
        'v_problems',
        'legacy_problemset',
        'legacy_videos',
        'lib_1',
        'split_1',
        'edge_problem_1',
        'html_empty',
        'video_good',
        'poll_1',
        'survey_1',
        'ora_1',
        'sgx_1',
        'overview',
        'syllabus',
        'updates',
      ].map((id) => [id, data(row(id)).completion_mode]),
    );
    expect(modes).toEqual({
      course: 'aggregator',
      ch_intro: 'aggregator',
      seq_graded: 'aggregator',
      v_problems: 'aggregator',
      legacy_problemset: 'aggregator',
      legacy_videos: 'aggregator',
      lib_1: 'aggregator',
      split_1: 'aggregator',
      edge_problem_1: '',
      html_empty: '',
      video_good: 'completable',
      poll_1: 'completable',
      survey_1: 'completable',
      ora_1: '',
      sgx_1: '',
      overview: '',
      syllabus: '',
      updates: '',
    });
  });

  it('names blocks with display_name_with_default: class defaults, url_name for None, empty kept, problems by type', () => {
    const names = Object.fromEntries(
      [
        'edge_problem_1',
        'disc_mid',
        'html_empty',
        'ps_problem',
        'v_tools',
        'survey_1',
        'ora_1',
        'lib_1',
        'split_1',
        'split_a_html',
        'legacy_videos',
        'edge_chapter_2',
        'overview',
        'syllabus',
        'updates',
        'sgx_1',
        'disc_last',
      ].map((id) => [id, row(id).display_name]),
    );
    expect(names).toEqual({
      // ProblemBlock's own display_name_with_default (xmodule/capa_block.py): its block type.
      edge_problem_1: 'problem',
      disc_mid: 'Discussion',
      html_empty: '',
      ps_problem: 'Blank Problem',
      v_tools: 'v tools',
      survey_1: 'Survey',
      ora_1: 'Open Response Assessment',
      lib_1: 'Randomized Content Block',
      split_1: 'Content Experiment',
      split_a_html: 'Text',
      legacy_videos: 'legacy videos',
      edge_chapter_2: 'edge chapter 2',
      overview: 'overview',
      syllabus: 'Syllabus & "Rules"',
      updates: 'Text',
      sgx_1: 'Staff graded & checked',
      disc_last: 'Última discusión',
    });
  });

  it('writes edited_on with Python str() and xblock_data_json with json.dumps', () => {
    expect(row('course').edited_on).toBe('2025-02-03 04:05:06+00:00');
    expect(row('overview').edited_on).toBe('2025-02-03 04:05:06.001001+00:00');
    expect(row('ch_intro').xblock_data_json).toBe(
      '{"course": "EDGE101", "run": "2025_T1", "block_type": "chapter", "detached": 0, "graded": 0, ' +
        '"completion_mode": "aggregator", "section": 1, "subsection": 0, "unit": 0, "tags": []}',
    );
    expect(blocks.every((r) => r.dump_id === DUMP.dumpId && r.time_last_dumped === DUMP.timeLastDumped)).toBe(
      true,
    );
  });

  it('follows variants made with the builder', () => {
    const variant = edgeCourse((c) => {
      blockOf(c, 'course').fields.grading_policy = { GRADE_CUTOFFS: { Pass: 1 } };
      blockOf(c, 'course').fields.announcement = null;
      c.overview.externalId = null;
    });
    const json = String(ppaRows(variant, DUMP).overview.course_data_json);
    expect(json).toContain('"announcement": null');
    expect(json).toContain('"lowest_passing_grade": 1.0');
    expect(json).toContain('"external_id": null');
  });
});

describe('Python value formats', () => {
  it('escapes non-ASCII like ensure_ascii, astral characters as surrogate pairs', () => {
    expect(pyJsonDumps({ a: 'Überblick 😀', b: [1, 2], c: null })).toBe(
      '{"a": "\\u00dcberblick \\ud83d\\ude00", "b": [1, 2], "c": null}',
    );
  });

  it('formats datetimes like str(), isoformat() and DRF', () => {
    expect(pyStrDatetime('2024-03-12T10:11:12.123456+00:00')).toBe('2024-03-12 10:11:12.123456+00:00');
    expect(pyStrDatetime('2024-03-12T12:11:12+02:00')).toBe('2024-03-12 10:11:12+00:00');
    expect(pyIsoformatUtc('2024-03-12T10:11:12Z')).toBe('2024-03-12T10:11:12+00:00');
    expect(drfIsoDatetime('2024-03-12T10:11:12.100000+00:00')).toBe('2024-03-12T10:11:12.100000Z');
  });
});
