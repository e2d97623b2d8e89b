import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CourseKey } from '../../../../src/domain/keys.js';
import { buildOutline } from '../../../../src/outline/index.js';
import type { OutlineRow } from '../../../../src/outline/types.js';
import { courseBlocks, xblockDataJson } from '../../../../src/sinks/clickhouse/tables/course-blocks.js';
import { COURSE_KEY, snapshot, STAMP, usage } from '../support/course.js';

describe('courseBlocks', () => {
  const outline = buildOutline(snapshot().blocks);
  const rows = [...courseBlocks.rows({ snapshot: snapshot(), outline }, STAMP)];

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
            const [written] = courseBlocks.rows({ snapshot: snapshot(), outline }, STAMP);
            expect(written?.xblock_data_json).toBe(xblockDataJson(key, row));
          },
        ),
      );
    }
  });
});
