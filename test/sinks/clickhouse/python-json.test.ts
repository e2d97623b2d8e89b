import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pythonJsonDumps } from '../../../src/sinks/clickhouse/python-json.js';

describe('pythonJsonDumps', () => {
  it('uses Python json.dumps separators and keeps key order', () => {
    expect(pythonJsonDumps({ b: 1, a: [1, 2], c: { d: null, e: true, f: false } })).toBe(
      '{"b": 1, "a": [1, 2], "c": {"d": null, "e": true, "f": false}}',
    );
    expect(pythonJsonDumps([])).toBe('[]');
    expect(pythonJsonDumps({})).toBe('{}');
  });

  it('escapes non-ASCII as lowercase \\uXXXX like ensure_ascii=True', () => {
    // Outputs of Python 3: json.dumps("Open edX® — café"), json.dumps("😀"), json.dumps("a\x7fb")
    expect(pythonJsonDumps('Open edX® — café')).toBe('"Open edX\\u00ae \\u2014 caf\\u00e9"');
    expect(pythonJsonDumps('😀')).toBe('"\\ud83d\\ude00"');
    expect(pythonJsonDumps('a\u007fb')).toBe('"a\\u007fb"');
  });

  it('escapes quotes, backslashes and control characters the way Python does', () => {
    expect(pythonJsonDumps(`Ohm's "Law" \\ \n\t\r\b\f\u0001`)).toBe(
      '"Ohm\'s \\"Law\\" \\\\ \\n\\t\\r\\b\\f\\u0001"',
    );
  });

  it('round-trips any string through JSON.parse', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const out = pythonJsonDumps(s);
        expect(JSON.parse(out)).toBe(s);
        expect(/^[\x20-\x7e]*$/.test(out)).toBe(true);
      }),
    );
  });
});
