import { describe, expect, it } from 'vitest';
import {
  postgresJsonText,
  postgresStoreText,
  postgresStoreTextOrNull,
  utf8StoreText,
} from '../../src/domain/store-text.js';

const FFFD = '\uFFFD';

describe('store text', () => {
  it('replaces lone surrogates for every store and keeps surrogate pairs', () => {
    expect(utf8StoreText('a\ud800b')).toBe(`a${FFFD}b`);
    expect(utf8StoreText('a\udc00b')).toBe(`a${FFFD}b`);
    expect(utf8StoreText('end\ud83d')).toBe(`end${FFFD}`);
    expect(utf8StoreText('\udc00\ud800')).toBe(`${FFFD}${FFFD}`);
    expect(utf8StoreText('😀 \u200f<script>')).toBe('😀 \u200f<script>');
    expect(postgresStoreText('x\ud800😀')).toBe(`x${FFFD}😀`);
  });

  it('keeps NUL where the store can hold it and replaces it for Postgres', () => {
    expect(utf8StoreText('A\u0000B')).toBe('A\u0000B');
    expect(postgresStoreText('A\u0000B\u0000')).toBe(`A${FFFD}B${FFFD}`);
    expect(postgresStoreTextOrNull(null)).toBeNull();
    expect(postgresStoreTextOrNull('\u0000')).toBe(FFFD);
  });

  it('returns clean text unchanged, whatever its length', () => {
    const long = 'é'.repeat(10_000);
    expect(utf8StoreText(long)).toBe(long);
    expect(postgresStoreText(long)).toBe(long);
  });

  it('makes every string of a jsonb document storable, keys included', () => {
    const text = postgresJsonText({ title: 'a\u0000', list: ['\ud800', 1, null], ['k\u0000']: { d: 'ok' } });
    expect(text).not.toMatch(/\\u0000|\\ud8/);
    expect(JSON.parse(text)).toEqual({ title: `a${FFFD}`, list: [FFFD, 1, null], [`k${FFFD}`]: { d: 'ok' } });
  });
});
