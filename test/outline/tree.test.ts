import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BlocksResponseSchema, type BlocksResponse } from '../../src/openedx/api-types.js';
import { buildOutline, InvalidOutlineError, OutlineCycleError } from '../../src/outline/index.js';

const fixture = (name: string): BlocksResponse =>
  BlocksResponseSchema.parse(
    JSON.parse(readFileSync(new URL(`../fixtures/courses/${name}.json`, import.meta.url), 'utf8')),
  );
const loc = (course: string, type: string, id: string) => `block-v1:${course}+type@${type}+block@${id}`;
const B = (type: string, id: string) => loc('Edge+Broken+2024', type, id);

describe('outline tree walk', () => {
  const outline = buildOutline(fixture('broken-tree'));

  it('skips children that name absent blocks and records them', () => {
    expect(outline.issues.missingChildren).toEqual([[B('chapter', 'ch1'), B('sequential', 'gone')]]);
    expect(outline.rows.some((r) => r.blockId === 'gone')).toBe(false);
  });

  it('keeps the first occurrence of a block reachable twice and lists it', () => {
    expect(outline.issues.duplicates).toEqual([B('vertical', 'shared')]);
    const shared = outline.rows.filter((r) => r.blockId === 'shared');
    expect(shared).toHaveLength(1);
    expect(shared[0]!.parent).toBe(B('sequential', 'seq1'));
    // Its subtree is not walked a second time either.
    expect(outline.rows.filter((r) => r.blockId === 'h1')).toHaveLength(1);
  });

  it('excludes blocks not reachable from the root and lists them', () => {
    expect(outline.issues.unreachable).toEqual([B('html', 'orphan_html'), B('vertical', 'orphan')]);
    expect(outline.rows.some((r) => r.blockId.startsWith('orphan'))).toBe(false);
  });

  it('gives positions among the children that made it into the tree', () => {
    const byId = new Map(outline.rows.map((r) => [r.blockId, r]));
    expect(byId.get('seq1')!.position).toBe(0);
    expect(byId.get('v1')!.position).toBe(1);
    expect(byId.get('v2')!.position).toBe(0);
    expect(outline.relationships).toContainEqual({
      parentLocation: B('sequential', 'seq2'),
      childLocation: B('vertical', 'v2'),
      order: 0,
    });
  });

  it('emits one relationship per tree edge, parents before children', () => {
    expect(outline.relationships).toHaveLength(outline.rows.filter((r) => !r.detached).length - 1);
    const order = new Map(outline.rows.map((r) => [r.location, r.order]));
    for (const rel of outline.relationships)
      expect(order.get(rel.parentLocation)!).toBeLessThan(order.get(rel.childLocation)!);
  });

  it('appends detached blocks after the tree in the order the source lists them, at 0:0:0 with depth 0 and no parent', () => {
    const tail = outline.rows.slice(-2);
    expect(tail.map((r) => r.location)).toEqual([B('static_tab', 'syllabus'), B('about', 'overview')]);
    for (const r of tail)
      expect(r).toMatchObject({
        detached: true,
        section: 0,
        subsection: 0,
        unit: 0,
        depth: 0,
        parent: null,
        position: 0,
      });
    expect(tail.map((r) => r.order)).toEqual([outline.rows.length - 1, outline.rows.length]);
  });

  it('numbers the tree in pre-order from 1 with the root first', () => {
    expect(outline.rows.map((r) => r.order)).toEqual(outline.rows.map((_, i) => i + 1));
    expect(outline.rows[0]).toMatchObject({
      blockType: 'course',
      depth: 0,
      parent: null,
      section: 0,
      subsection: 0,
      unit: 0,
    });
    expect(outline.rows.filter((r) => !r.detached).map((r) => r.blockId)).toEqual([
      'course',
      'ch1',
      'seq1',
      'shared',
      'h1',
      'v1',
      'ch2',
      'seq2',
      'v2',
    ]);
  });

  it('throws OutlineCycleError naming the block that is its own ancestor', () => {
    const build = () => buildOutline(fixture('cycle'));
    expect(build).toThrow(OutlineCycleError);
    expect(build).toThrow(loc('Edge+Cycle+2024', 'chapter', 'ch1'));
  });

  it('throws on a self-referencing block', () => {
    const response = fixture('cycle');
    const seq = response.blocks[loc('Edge+Cycle+2024', 'sequential', 'seq1')]!;
    seq.children = [seq.id];
    expect(() => buildOutline(response)).toThrow(OutlineCycleError);
  });

  it('refuses a response whose root is not among its blocks', () => {
    const response = fixture('cycle');
    response.root = loc('Edge+Cycle+2024', 'course', 'elsewhere');
    expect(() => buildOutline(response)).toThrow(InvalidOutlineError);
  });

  it('walks a 100k-block chain without overflowing the stack', () => {
    const blocks: BlocksResponse['blocks'] = {};
    const ids = Array.from({ length: 100_000 }, (_, i) =>
      loc('Deep+Chain+1', i === 0 ? 'course' : 'vertical', `b${i}`),
    );
    ids.forEach((id, i) => {
      blocks[id] = {
        id,
        block_id: `b${i}`,
        type: i === 0 ? 'course' : 'vertical',
        display_name: '',
        ...(ids[i + 1] ? { children: [ids[i + 1]!] } : {}),
      };
    });
    const deep = buildOutline({ root: ids[0]!, blocks });
    expect(deep.rows.at(-1)!.depth).toBe(99_999);
  });
});
