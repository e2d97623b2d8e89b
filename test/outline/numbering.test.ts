import { describe, expect, it } from 'vitest';
import { AspectsCounter } from '../../src/outline/numbering.js';

const number = (types: string[]) => {
  const counter = new AspectsCounter();
  return types.map((t) => {
    const n = counter.next(t);
    return `${n.section}:${n.subsection}:${n.unit}`;
  });
};

describe('Aspects section counters', () => {
  it('chapter resets subsection and unit, sequential resets unit, vertical increments unit, leaves inherit', () => {
    expect(
      number([
        'course',
        'chapter',
        'sequential',
        'vertical',
        'html',
        'vertical',
        'sequential',
        'vertical',
        'chapter',
        'sequential',
        'vertical',
        'problem',
      ]),
    ).toEqual([
      '0:0:0',
      '1:0:0',
      '1:1:0',
      '1:1:1',
      '1:1:1',
      '1:1:2',
      '1:2:0',
      '1:2:1',
      '2:0:0',
      '2:1:0',
      '2:1:1',
      '2:1:1',
    ]);
  });

  it('counts verticals at any depth, e.g. nested in split_test', () => {
    expect(
      number(['chapter', 'sequential', 'vertical', 'split_test', 'vertical', 'html', 'vertical']),
    ).toEqual(['1:0:0', '1:1:0', '1:1:1', '1:1:1', '1:1:2', '1:1:2', '1:1:3']);
  });

  it('counts only sequentials as subsections: legacy problemset and videosequence take the current counters', () => {
    expect(number(['chapter', 'problemset', 'problem', 'videosequence', 'vertical', 'sequential'])).toEqual([
      '1:0:0',
      '1:0:0',
      '1:0:0',
      '1:0:0',
      '1:0:1',
      '1:1:0',
    ]);
  });
});
