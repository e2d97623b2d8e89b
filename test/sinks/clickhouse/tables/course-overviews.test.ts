import { describe, expect, it } from 'vitest';
import {
  courseDataJson,
  courseOverviewRow,
} from '../../../../src/sinks/clickhouse/tables/course-overviews.js';
import { COURSE_KEY, snapshot, STAMP } from '../support/course.js';

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
