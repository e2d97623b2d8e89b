import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BlocksShapeError,
  BlocksStreamReader,
  BlocksSyntaxError,
} from '../../../src/openedx/lms/blocks-stream.js';

/** Feeds `body` cut at `cuts` (byte offsets) and returns what the reader handed over. */
function read(body: string | Buffer, cuts: number[] = []): { root: string; blocks: Record<string, unknown> } {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const blocks: Record<string, unknown> = {};
  // As JSON.parse does (and the client), a member named __proto__ becomes an own property, not the prototype.
  const reader = new BlocksStreamReader({
    block: (key, value) =>
      void Object.defineProperty(blocks, key, { value, enumerable: true, writable: true }),
  });
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= at || cut >= bytes.length) continue;
    reader.push(bytes.subarray(at, cut));
    at = cut;
  }
  reader.push(bytes.subarray(at));
  return { ...reader.end(), blocks };
}

const tricky = {
  root: 'block-v1:X+Y+Z+type@course+block@course',
  extra: [1, { nested: '}]"{' }, null, true, -1.5e3],
  blocks: {
    'b"1': { id: 'a\\"}', display_name: 'Unicode ✓ “quotes” \u0000 \\\\', children: ['x', 'y'], n: 3 },
    b2: { id: 'b2', student_view_data: { encoded_videos: { a: { url: null, file_size: 10 } } } },
    '': { id: '\\', s: '\\\\"' },
  },
  after: 'é',
};

describe('BlocksStreamReader', () => {
  it('hands over each block as JSON.parse reads it, wherever the chunks are cut', () => {
    const body = JSON.stringify(tricky, null, 1);
    const want = { root: tricky.root, blocks: tricky.blocks };
    expect(read(body)).toEqual(want);
    const length = Buffer.byteLength(body);
    for (let cut = 1; cut < length; cut++) expect(read(body, [cut])).toEqual(want);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: length - 1 }), { maxLength: 40 }), (cuts) => {
        expect(read(body, cuts)).toEqual(want);
      }),
    );
  });

  it('reads any JSON object of blocks the same as JSON.parse, one byte at a time', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string({ minLength: 1 }), (blocks, root) => {
        const body = JSON.stringify({ blocks, root });
        const bytes = Buffer.from(body, 'utf8');
        const cuts = Array.from({ length: bytes.length }, (_, i) => i);
        expect(read(bytes, cuts)).toEqual(JSON.parse(body));
      }),
      { numRuns: 200 },
    );
  });

  it('skips a leading byte order mark, as Response.text() does', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"root":"r","blocks":{}}')]);
    expect(read(body, [1, 2])).toEqual({ root: 'r', blocks: {} });
  });

  it.each([
    ['not JSON at all', '<html>login</html>'],
    ['an array', '[1, 2]'],
    ['a body cut short', '{"root": "r", "blocks": {"a": {"id": 1'],
    ['a bad member', '{"root": "r", "blocks": {"a": {"id": tru}}}'],
    ['a missing comma', '{"root": "r" "blocks": {}}'],
    ['trailing data', '{"root": "r", "blocks": {}} {}'],
  ])('refuses %s as not JSON', (_what, body) => {
    expect(() => read(body)).toThrow(BlocksSyntaxError);
  });

  it.each([
    ['no root', '{"blocks": {}}', 'root'],
    ['a numeric root', '{"root": 3, "blocks": {}}', 'root'],
    ['an empty root', '{"root": "", "blocks": {}}', 'root'],
    ['no blocks', '{"root": "r"}', 'blocks'],
    ['blocks as a list', '{"root": "r", "blocks": []}', 'blocks'],
  ])('refuses %s as not of the shape, naming where', (_what, body, path) => {
    let error: unknown;
    try {
      read(body);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BlocksShapeError);
    expect((error as BlocksShapeError).path).toBe(path);
  });
});
