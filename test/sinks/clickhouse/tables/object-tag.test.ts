import { describe, expect, it } from 'vitest';
import { objectTag, objectTagId } from '../../../../src/sinks/clickhouse/tables/object-tag.js';
import { COURSE_KEY, STAMP, usage } from '../support/course.js';
import { TAGS } from '../support/tags.js';

describe('objectTag', () => {
  it('derives each object tag id from its object, taxonomy and tag: 31 bits, the same on every replay', () => {
    const [row] = [...objectTag.rows(TAGS, STAMP)];
    expect(row).toEqual({
      id: objectTagId(usage('problem', 'p1'), 3, 11),
      object_id: usage('problem', 'p1'),
      taxonomy: 3,
      tag: 11,
      _value: 'Été',
      _export_id: 'difficulty',
      lineage: '["Level", "\\u00c9t\\u00e9"]',
      ...STAMP,
    });
    expect(row!.id).toBeGreaterThanOrEqual(0);
    expect(row!.id).toBeLessThan(2 ** 31);
    expect(objectTagId(COURSE_KEY, 3, 11)).not.toBe(row!.id);
  });

  it('builds rows whose keys are its columns, in order', () => {
    for (const row of objectTag.rows(TAGS, STAMP)) expect(Object.keys(row)).toEqual(objectTag.columns);
  });
});
