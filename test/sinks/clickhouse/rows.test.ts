import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildOutline } from '../../../src/outline/index.js';
import type { OutlineRow } from '../../../src/outline/types.js';
import {
  courseBlockRows,
  courseDataJson,
  courseOverviewRow,
  courseRelationshipRows,
  parseCourseKey,
  unescapeHtml,
  xblockDataJson,
} from '../../../src/sinks/clickhouse/rows.js';
import { COURSE_KEY, snapshot, usage } from './support/course.js';

const DUMP = {
  dumpId: '5f0c7d36-3c0e-4a5e-9c39-2d8d5b2f6a11',
  timeLastDumped: '2024-07-10 19:58:24.094725+00:00',
};

describe('courseOverviewRow', () => {
  it('spells every column as the Aspects plugin does', () => {
    expect(courseOverviewRow(snapshot(), DUMP)).toEqual({
      org: 'OpenedX',
      course_key: COURSE_KEY,
      display_name: 'Open edX Demo Course & Friends',
      course_start: '2020-01-01 00:00:00+00:00',
      course_end: '',
      enrollment_start: '2019-12-01T00:00:00.250000Z',
      enrollment_end: '',
      self_paced: true,
      course_data_json:
        '{"advertised_start": null, "invitation_only": false, "effort": "5 hours", "tags": []}',
      created: '2024-07-10T19:58:24.094725Z',
      modified: '2024-07-10T19:58:24.094725Z',
      dump_id: DUMP.dumpId,
      time_last_dumped: DUMP.timeLastDumped,
    });
  });

  it('makes modified grow with each dump, compared as strings', () => {
    const earlier = courseOverviewRow(snapshot(), {
      ...DUMP,
      timeLastDumped: '2024-07-10 19:58:24.000000+00:00',
    });
    const later = courseOverviewRow(snapshot(), {
      ...DUMP,
      timeLastDumped: '2024-07-10 19:58:24.500000+00:00',
    });
    expect(later.modified > earlier.modified).toBe(true);
  });

  it('refuses a dump time not in Aspects format', () => {
    expect(() =>
      courseOverviewRow(snapshot(), { ...DUMP, timeLastDumped: '2024-07-10 19:58:24+00:00' }),
    ).toThrow(/YYYY-MM-DD HH:MM:SS.ffffff\+00:00/);
  });
});

describe('courseDataJson', () => {
  it('keeps Aspects key order, writes an advertised start and escapes non-ASCII like Python', () => {
    const detail = {
      ...snapshot().detail,
      start_type: 'string',
      start_display: 'Été 2025',
      effort: '5 heures ½',
      language: 'fr',
    };
    expect(courseDataJson(detail)).toBe(
      '{"advertised_start": "\\u00c9t\\u00e9 2025", "invitation_only": false, "effort": "5 heures \\u00bd", "language": "fr", "tags": []}',
    );
  });

  it('leaves out what the Courses API did not send, but always has tags', () => {
    const { start_type: _s, invitation_only: _i, effort: _e, ...bare } = snapshot().detail;
    expect(courseDataJson(bare)).toBe('{"tags": []}');
  });
});

describe('courseBlockRows', () => {
  const outline = buildOutline(snapshot().blocks);
  const rows = courseBlockRows(outline, DUMP);

  it('writes one row per outline row in outline order with the shared dump', () => {
    expect(rows.map((r) => r.order)).toEqual(outline.rows.map((r) => r.order));
    expect(new Set(rows.map((r) => `${r.dump_id} ${r.time_last_dumped}`))).toEqual(
      new Set([`${DUMP.dumpId} ${DUMP.timeLastDumped}`]),
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
    const rows = courseRelationshipRows(buildOutline(snapshot().blocks), DUMP);
    expect(rows).toContainEqual({
      course_key: COURSE_KEY,
      parent_location: usage('sequential', 'seq11'),
      child_location: usage('vertical', 'v112'),
      order: 1,
      dump_id: DUMP.dumpId,
      time_last_dumped: DUMP.timeLastDumped,
    });
  });
});

describe('helpers', () => {
  it('parses new- and old-style course keys', () => {
    expect(parseCourseKey('course-v1:OpenedX+DemoX+Demo_Course')).toEqual({
      org: 'OpenedX',
      course: 'DemoX',
      run: 'Demo_Course',
    });
    expect(parseCourseKey('edX/DemoX/Demo_Course')).toEqual({
      org: 'edX',
      course: 'DemoX',
      run: 'Demo_Course',
    });
    expect(() => parseCourseKey('block-v1:x')).toThrow(/not a course key/);
  });

  it("undoes Django's HTML escaping", () => {
    expect(unescapeHtml('Ohm&#x27;s &amp; &lt;b&gt; &quot;x&quot; &#39; &nbsp;')).toBe(
      `Ohm's & <b> "x" ' &nbsp;`,
    );
  });
});

describe('xblock_data_json', () => {
  it('is exactly json.dumps of the Aspects keys, for any row', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const [template] = buildOutline(snapshot().blocks).rows;
    for (const courseKey of ['course-v1:Org+C+R', 'course-v1:Org+Écoles_du_monde+2026_T1']) {
      const key = parseCourseKey(courseKey);
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
            const [written] = courseBlockRows(outline, DUMP);
            expect(written?.xblock_data_json).toBe(xblockDataJson(key, row));
          },
        ),
      );
    }
  });
});
