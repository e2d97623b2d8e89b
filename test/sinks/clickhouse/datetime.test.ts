import { describe, expect, it } from 'vitest';
import {
  drfIso,
  drfIsoFixed,
  formatDumpTime,
  parseInstant,
  pythonStr,
} from '../../../src/sinks/clickhouse/datetime.js';

describe('formatDumpTime', () => {
  it('always writes six fractional digits and +00:00', () => {
    expect(formatDumpTime(new Date('2024-07-10T19:58:24.094Z'), 725)).toBe(
      '2024-07-10 19:58:24.094725+00:00',
    );
    expect(formatDumpTime(new Date('2024-07-10T19:58:24.000Z'))).toBe('2024-07-10 19:58:24.000000+00:00');
  });

  it('sorts as strings in time order', () => {
    const a = formatDumpTime(new Date('2024-07-10T19:58:24.000Z'));
    const b = formatDumpTime(new Date('2024-07-10T19:58:24.000Z'), 1);
    const c = formatDumpTime(new Date('2024-07-10T19:58:24.500Z'));
    expect([c, b, a].sort()).toEqual([a, b, c]);
  });

  it('refuses extra microseconds outside 0..999', () => {
    expect(() => formatDumpTime(new Date(), 1000)).toThrow(RangeError);
  });
});

describe('Aspects datetime spellings', () => {
  it('writes Python str(datetime), dropping a zero fraction as Python does', () => {
    expect(pythonStr(parseInstant('2020-01-01T00:00:00Z'))).toBe('2020-01-01 00:00:00+00:00');
    expect(pythonStr(parseInstant('2020-01-01T00:00:00.5Z'))).toBe('2020-01-01 00:00:00.500000+00:00');
  });

  it('writes DRF ISO-8601 in UTC, converting other offsets', () => {
    expect(drfIso(parseInstant('2024-01-01T00:00:00Z'))).toBe('2024-01-01T00:00:00Z');
    expect(drfIso(parseInstant('2024-01-01T02:30:00.123456+02:30'))).toBe('2024-01-01T00:00:00.123456Z');
    expect(drfIso(parseInstant('2024-01-01'))).toBe('2024-01-01T00:00:00Z');
    expect(drfIsoFixed(parseInstant('2024-03-12 10:11:12.000000+00:00'))).toBe('2024-03-12T10:11:12.000000Z');
  });

  it('rejects text that is not a datetime', () => {
    expect(() => parseInstant('next Tuesday')).toThrow(/not an ISO-8601 datetime/);
  });
});
