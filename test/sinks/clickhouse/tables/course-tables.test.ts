import { describe, expect, it } from 'vitest';
import { buildOutline } from '../../../../src/outline/index.js';
import { courseBlocks } from '../../../../src/sinks/clickhouse/tables/course-blocks.js';
import { courseOverviews } from '../../../../src/sinks/clickhouse/tables/course-overviews.js';
import { courseRelationships } from '../../../../src/sinks/clickhouse/tables/course-relationships.js';
import { snapshot, STAMP } from '../support/course.js';

describe('the course tables', () => {
  it('build rows whose keys are their columns, in order (the fingerprint and the INSERT rely on it)', () => {
    const course = snapshot();
    const content = { snapshot: course, outline: buildOutline(course.blocks) };
    for (const table of [courseOverviews, courseBlocks, courseRelationships]) {
      const rows = [...table.rows(content, STAMP)];
      expect(rows.length, table.table).toBeGreaterThan(0);
      for (const row of rows) expect(Object.keys(row), table.table).toEqual(table.columns);
    }
  });
});
