import { describe, expect, it } from 'vitest';
import { bind } from '../../../src/sinks/clickhouse/bind.js';

const Q = 'SELECT 1 WHERE a = {a:String} AND b = {b:UUID} AND has({c:Array(String)}, x)';

describe('bind', () => {
  it('passes real query parameters to servers that have them', () => {
    expect(bind(Q, { a: 'x', b: 'u', c: ['y'] }, true)).toEqual({
      query: Q,
      query_params: { a: 'x', b: 'u', c: ['y'] },
    });
  });

  it('inlines escaped literals for servers older than 19.11', () => {
    expect(
      bind(Q, { a: "O'Brien\\", b: '5f0c7d36-3c0e-4a5e-9c39-2d8d5b2f6a11', c: ["it's", 'b'] }, false),
    ).toEqual({
      query:
        "SELECT 1 WHERE a = 'O\\'Brien\\\\' AND b = toUUID('5f0c7d36-3c0e-4a5e-9c39-2d8d5b2f6a11') AND has(['it\\'s', 'b'], x)",
    });
  });

  it('refuses a placeholder with no value', () => {
    expect(() => bind(Q, { a: 'x' }, false)).toThrow(/no value bound/);
  });
});
