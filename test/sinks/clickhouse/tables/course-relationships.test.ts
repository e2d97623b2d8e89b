import { describe, expect, it } from 'vitest';
import { buildOutline } from '../../../../src/outline/index.js';
import { courseRelationships } from '../../../../src/sinks/clickhouse/tables/course-relationships.js';
import { COURSE_KEY, snapshot, STAMP, usage } from '../support/course.js';

describe('courseRelationships', () => {
  it('writes each parent-child edge with its 0-based position', () => {
    const course = snapshot();
    const rows = [
      ...courseRelationships.rows({ snapshot: course, outline: buildOutline(course.blocks) }, STAMP),
    ];
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
