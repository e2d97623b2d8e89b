import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildOutline } from '../../../src/outline/index.js';
import type { OutlineRow } from '../../../src/outline/types.js';
import { CourseKey } from '../../../src/domain/keys.js';
import {
  courseBlockRows,
  courseDataJson,
  courseOverviewRow,
  courseRelationshipRows,
  xblockDataJson,
} from '../../../src/sinks/clickhouse/rows.js';
import { COURSE_KEY, snapshot, usage } from './support/course.js';

const STAMP = {
  dump_id: '5f0c7d36-3c0e-4a5e-9c39-2d8d5b2f6a11',
  time_last_dumped: '2024-07-10 19:58:24.094725+00:00',
};

describe('courseOverviewRow', () => {
  it('spells every column as the Aspects plugin does', () => {
    expect(courseOverviewRow(snapshot(), STAMP)).toEqual({
      org: 'OpenedX',
      course_key: COURSE_KEY,
      // The API escapes only < and >: `&amp;` is what the course is named.
      display_name: 'Open edX Demo Course &amp; Friends',
      course_start: '2020-01-01 00:00:00+00:00',
      course_end: '',
      enrollment_start: '2019-12-01T00:00:00.250000Z',
      enrollment_end: '',
      self_paced: true,
      course_data_json:
        '{"advertised_start": null, "announcement": null, "lowest_passing_grade": null, "invitation_only": false, ' +
        '"max_student_enrollments_allowed": null, "effort": "5 hours", "enable_proctored_exams": false, ' +
        '"entrance_exam_enabled": false, "external_id": null, "language": null, "tags": []}',
      created: '2024-07-10T19:58:24.094725Z',
      modified: '2024-07-10T19:58:24.094725Z',
      dump_id: STAMP.dump_id,
      time_last_dumped: STAMP.time_last_dumped,
    });
  });

  it("takes the key's org, not the display org the Courses API names", () => {
    const shown = snapshot();
    shown.detail.org = 'Open edX Community';
    expect(courseOverviewRow(shown, STAMP).org).toBe('OpenedX');
  });

  it('stamps created with the oldest edited_on the LMS exposes, the same on every dump, and modified with the dump', () => {
    const edited = snapshot();
    const blocks = Object.values(edited.blocks.blocks);
    blocks[0]!.edited_on = '2024-05-01T10:00:00.123456Z';
    blocks[1]!.edited_on = '2024-06-02T08:30:00Z';
    const a = courseOverviewRow(edited, STAMP);
    const b = courseOverviewRow(edited, { ...STAMP, time_last_dumped: '2025-01-01 00:00:00.000000+00:00' });
    expect(a.created).toBe('2024-05-01T10:00:00.123456Z');
    expect(b.created).toBe(a.created);
    expect(a.modified).toBe('2024-07-10T19:58:24.094725Z');
    expect(b.modified > a.modified).toBe(true);
  });

  it('makes modified grow with each dump, compared as strings', () => {
    const earlier = courseOverviewRow(snapshot(), {
      ...STAMP,
      time_last_dumped: '2024-07-10 19:58:24.000000+00:00',
    });
    const later = courseOverviewRow(snapshot(), {
      ...STAMP,
      time_last_dumped: '2024-07-10 19:58:24.500000+00:00',
    });
    expect(later.modified > earlier.modified).toBe(true);
  });

  it('refuses a dump time not in Aspects format', () => {
    expect(() =>
      courseOverviewRow(snapshot(), { ...STAMP, time_last_dumped: '2024-07-10 19:58:24+00:00' }),
    ).toThrow(/YYYY-MM-DD HH:MM:SS.ffffff\+00:00/);
  });
});

describe('courseDataJson', () => {
  it("writes Aspects' eleven keys in order, Studio's values first, and escapes non-ASCII like Python", () => {
    const base = snapshot();
    const withStudio = {
      ...base,
      detail: { ...base.detail, effort: '5 heures ½' },
      studio: {
        advancedSettings: {
          advertised_start: 'Été 2025',
          announcement: '2025-03-01T12:00:00Z',
          invitation_only: true,
          max_student_enrollments_allowed: 300,
          enable_proctored_exams: true,
          entrance_exam_enabled: false,
          language: 'fr',
        },
        lowestPassingGrade: 1,
        staticTabs: [],
      },
    };
    expect(courseDataJson(withStudio)).toBe(
      '{"advertised_start": "\\u00c9t\\u00e9 2025", "announcement": "2025-03-01T12:00:00+00:00", ' +
        '"lowest_passing_grade": 1.0, "invitation_only": true, "max_student_enrollments_allowed": 300, ' +
        '"effort": "5 heures \\u00bd", "enable_proctored_exams": true, "entrance_exam_enabled": false, ' +
        '"external_id": null, "language": "fr", "tags": []}',
    );
  });

  it("falls back to the Courses API's advertised start and to the values of a course that never set them", () => {
    const base = snapshot();
    const detail = { ...base.detail, start_type: 'string', start_display: 'Soon', language: 'de' };
    expect(courseDataJson({ ...base, detail })).toBe(
      '{"advertised_start": "Soon", "announcement": null, "lowest_passing_grade": null, "invitation_only": false, ' +
        '"max_student_enrollments_allowed": null, "effort": "5 hours", "enable_proctored_exams": false, ' +
        '"entrance_exam_enabled": false, "external_id": null, "language": "de", "tags": []}',
    );
  });
});

describe('courseBlockRows', () => {
  const outline = buildOutline(snapshot().blocks);
  const rows = courseBlockRows(outline, STAMP);

  it('writes one row per outline row in outline order with the shared dump', () => {
    expect(rows.map((r) => r.order)).toEqual(outline.rows.map((r) => r.order));
    expect(new Set(rows.map((r) => `${r.dump_id} ${r.time_last_dumped}`))).toEqual(
      new Set([`${STAMP.dump_id} ${STAMP.time_last_dumped}`]),
    );
    expect(rows[0]).toMatchObject({
      org: 'OpenedX',
      course_key: COURSE_KEY,
      location: usage('course', 'course'),
      edited_on: '',
    });
  });

  it('writes xblock_data_json keys in Aspects order with Python spacing', () => {
    const seq = rows.find((r) => r.location === usage('sequential', 'seq11'));
    expect(seq?.display_name).toBe("Ohm's Calculator");
    expect(seq?.xblock_data_json).toMatch(
      /^\{"course": "DemoX", "run": "DemoCourse", "block_type": "sequential", "detached": 0, "graded": 1, "completion_mode": "[a-z]*", "section": 1, "subsection": 1, "unit": 0, "tags": \[\]\}$/,
    );
  });
});

describe('courseRelationshipRows', () => {
  it('writes each parent-child edge with its 0-based position', () => {
    const rows = courseRelationshipRows(buildOutline(snapshot().blocks), STAMP);
    expect(rows).toContainEqual({
      course_key: COURSE_KEY,
      parent_location: usage('sequential', 'seq11'),
      child_location: usage('vertical', 'v112'),
      order: 1,
      dump_id: STAMP.dump_id,
      time_last_dumped: STAMP.time_last_dumped,
    });
  });
});

describe('xblock_data_json', () => {
  it('is exactly json.dumps of the Aspects keys, for any row', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const [template] = buildOutline(snapshot().blocks).rows;
    for (const courseKey of ['course-v1:Org+C+R', 'course-v1:Org+Écoles_du_monde+2026_T1']) {
      const key = CourseKey.parse(courseKey);
      fc.assert(
        fc.property(
          fc.record({
            blockType: text,
            completionMode: text,
            detached: fc.boolean(),
            graded: fc.boolean(),
            section: fc.nat(),
            subsection: fc.nat(),
            unit: fc.nat(),
          }),
          (fields) => {
            const row: OutlineRow = { ...template!, ...fields };
            const outline = { ...buildOutline(snapshot().blocks), courseKey, rows: [row] };
            const [written] = courseBlockRows(outline, STAMP);
            expect(written?.xblock_data_json).toBe(xblockDataJson(key, row));
          },
        ),
      );
    }
  });
});
