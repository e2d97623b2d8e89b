import { buildOutline } from '../../src/outline/index.js';
import { syntheticSnapshot } from '../../test/support/synthetic-course.js';
import type { BenchCase } from '../case.js';

function outlineCase(blocks: number, label: string, iterations: number): BenchCase {
  return {
    name: `outline.build.${label}`,
    description: `buildOutline of a synthetic ${label}-block course (Blocks API response → ordered, numbered rows)`,
    report: 'ms',
    warmup: 2,
    iterations,
    async setup() {
      const course = syntheticSnapshot({ blocks });
      let rows = 0;
      return {
        work: { count: Object.keys(course.blocks.blocks).length, unit: 'blocks' },
        run() {
          rows = buildOutline(course.blocks).rows.length;
        },
        note: () => `${rows} rows`,
      };
    },
  };
}

export const outlineCases: BenchCase[] = [
  outlineCase(1_000, '1k', 50),
  outlineCase(10_000, '10k', 30),
  outlineCase(100_000, '100k', 5),
];
