import { describe, expect, it } from 'vitest';
import { taxonomy } from '../../../../src/sinks/clickhouse/tables/taxonomy.js';
import { STAMP } from '../support/course.js';
import { TAGS } from '../support/tags.js';

describe('taxonomy', () => {
  it('writes a taxonomy row for each taxonomy', () => {
    expect([...taxonomy.rows(TAGS, STAMP)]).toEqual([{ id: 3, name: 'Difficulté', ...STAMP }]);
  });

  it('builds rows whose keys are its columns, in order', () => {
    for (const row of taxonomy.rows(TAGS, STAMP)) expect(Object.keys(row)).toEqual(taxonomy.columns);
  });
});
