import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BlocksResponseSchema, type BlocksResponse } from '../../src/openedx/api-types.js';
import { buildOutline } from '../../src/outline/index.js';
import { syntheticSnapshot } from '../support/synthetic-course.js';

const fixture = (name: string): BlocksResponse =>
  BlocksResponseSchema.parse(
    JSON.parse(readFileSync(new URL(`../fixtures/courses/${name}.json`, import.meta.url), 'utf8')),
  );

describe('buildOutline', () => {
  it('derives the course key and root location from the root usage key, without branch or version', () => {
    const response = fixture('legacy-containers');
    const outline = buildOutline(response);
    expect(outline.courseKey).toBe('course-v1:Edge+Legacy+2012');
    expect(outline.rootLocation).toBe('block-v1:Edge+Legacy+2012+type@course+block@course');
  });

  it('strips branch and version from every location', () => {
    const blocks: BlocksResponse['blocks'] = {};
    const id = (t: string, b: string) =>
      `block-v1:a+b+c+branch@published-branch+version@519665f6223ebd6980884f2b+type@${t}+block@${b}`;
    blocks[id('course', 'course')] = {
      id: id('course', 'course'),
      block_id: 'course',
      type: 'course',
      display_name: 'C',
      children: [id('chapter', 'x')],
    };
    blocks[id('chapter', 'x')] = {
      id: id('chapter', 'x'),
      block_id: 'x',
      type: 'chapter',
      display_name: 'X',
    };
    const outline = buildOutline({ root: id('course', 'course'), blocks });
    expect(outline.rows.map((r) => r.location)).toEqual([
      'block-v1:a+b+c+type@course+block@course',
      'block-v1:a+b+c+type@chapter+block@x',
    ]);
    expect(outline.relationships[0]!.parentLocation).toBe('block-v1:a+b+c+type@course+block@course');
  });

  it('leaves legacy problemset and videosequence containers uncounted, as Aspects does', () => {
    const rows = buildOutline(fixture('legacy-containers')).rows.map(
      (r) => `${r.blockId} ${r.section}:${r.subsection}:${r.unit}`,
    );
    expect(rows).toEqual([
      'course 0:0:0',
      'w1 1:0:0',
      'hw1 1:0:0',
      'q1 1:0:0',
      'q2 1:0:0',
      'lec1 1:0:0',
      'v1 1:0:0',
      'u1 1:0:1',
      'h1 1:0:1',
      's1 1:1:0',
      'u2 1:1:1',
    ]);
  });

  it('inherits graded from the nearest ancestor that sets it when the response omits it below', () => {
    const rows = buildOutline(fixture('legacy-containers')).rows;
    const graded = Object.fromEntries(rows.map((r) => [r.blockId, r.graded]));
    expect(graded).toMatchObject({
      course: false,
      w1: false,
      hw1: true,
      q1: true,
      q2: true,
      lec1: false,
      v1: false,
    });
  });

  it('uses the graded value the API sends for each block when it is present', () => {
    const response = fixture('legacy-containers');
    const q2 = Object.values(response.blocks).find((b) => b.block_id === 'q2')!;
    q2.graded = false;
    const rows = buildOutline(response).rows;
    expect(rows.find((r) => r.blockId === 'q2')!.graded).toBe(false);
    expect(rows.find((r) => r.blockId === 'q1')!.graded).toBe(true);
  });

  it('applies display-name defaults only where the API sent an empty name', () => {
    const names = Object.fromEntries(
      buildOutline(fixture('names')).rows.map((r) => [r.blockId, r.displayName]),
    );
    expect(names).toEqual({
      course: 'Ünïcödé Cœurse — 数学',
      ch1: 'Week 1 - Intro',
      seq_one: "Ohm's Calculator",
      v1: "'Done'",
      h1: 'Text',
      p1: 'problem',
      h2: 'Try it - Single-select ®',
      vid1: 'Видео: 日本語',
      empty_named_seq: 'empty named seq',
    });
  });

  it('sets the completion mode and depth of each row', () => {
    const rows = buildOutline(fixture('names')).rows;
    expect(rows.map((r) => [r.blockType, r.completionMode, r.depth])).toEqual([
      ['course', 'aggregator', 0],
      ['chapter', 'aggregator', 1],
      ['sequential', 'aggregator', 2],
      ['vertical', 'aggregator', 3],
      ['html', '', 4],
      ['problem', '', 4],
      ['html', '', 4],
      ['video', 'completable', 4],
      ['sequential', 'aggregator', 2],
    ]);
  });

  it('builds the outline of a 100k-block course quickly and in order', () => {
    const snapshot = syntheticSnapshot({ blocks: 100_000 });
    const started = performance.now();
    const outline = buildOutline(snapshot.blocks);
    const elapsed = performance.now() - started;
    expect(outline.rows).toHaveLength(100_000);
    expect(outline.issues).toEqual({ missingChildren: [], unreachable: [], duplicates: [] });
    expect(elapsed).toBeLessThan(5_000);
  });
});
