import { describe, expect, it } from 'vitest';
import { tag } from '../../../../src/sinks/clickhouse/tables/tag.js';
import { STAMP } from '../support/course.js';
import { TAGS } from '../support/tags.js';

describe('tag', () => {
  it("stores a root tag's parent as 0, a missing external id as '', and the lineage as json.dumps", () => {
    expect([...tag.rows(TAGS, STAMP)]).toEqual([
      { id: 10, taxonomy: 3, parent: 0, value: 'Level', external_id: '', lineage: '["Level"]', ...STAMP },
      {
        id: 11,
        taxonomy: 3,
        parent: 10,
        value: 'Été',
        external_id: 'x-11',
        lineage: '["Level", "\\u00c9t\\u00e9"]',
        ...STAMP,
      },
    ]);
  });

  it('builds rows whose keys are its columns, in order', () => {
    for (const row of tag.rows(TAGS, STAMP)) expect(Object.keys(row)).toEqual(tag.columns);
  });
});
