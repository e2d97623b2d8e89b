import { describe, expect, it } from 'vitest';
import { instantToDate, parseInstant, tryParseInstant } from '../../src/domain/datetime.js';
import { PermanentError } from '../../src/errors.js';

const iso = (text: string) => instantToDate(parseInstant(text)).toISOString();

describe('parseInstant', () => {
  it('keeps microseconds that a Date would drop, from either fraction separator', () => {
    expect(parseInstant('2024-05-01T12:34:56.789999+00:00')).toEqual({ seconds: 1714566896, micros: 789999 });
    expect(parseInstant('2024-05-01T12:34:56,5Z').micros).toBe(500000);
    expect(parseInstant('2024-05-01T12:34:56.123456789Z').micros).toBe(123456);
  });

  it('reads a time without a zone as UTC, never as local time', () => {
    expect(iso('2024-05-01T12:34:56')).toBe('2024-05-01T12:34:56.000Z');
    expect(iso('2024-05-01 12:34:56')).toBe('2024-05-01T12:34:56.000Z');
    expect(iso('2024-05-01')).toBe('2024-05-01T00:00:00.000Z');
  });

  it('applies offsets', () => {
    expect(iso('2024-05-01T14:34:56+02:00')).toBe('2024-05-01T12:34:56.000Z');
    expect(iso('2024-05-01T07:04:56-0530')).toBe('2024-05-01T12:34:56.000Z');
  });

  it.each([
    'next Tuesday',
    '1714566896',
    '2024-13-01T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2023-02-29',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:60:00Z',
    '2024-05-01T12:00:60Z',
    '2024-05-01T12:00:00+01:60',
  ])('refuses %s rather than rolling it over', (text) => {
    expect(() => parseInstant(text)).toThrow(PermanentError);
  });

  it('refuses a date alone where a time is required', () => {
    expect(() => parseInstant('2024-05-01', { requireTime: true })).toThrow(PermanentError);
    expect(parseInstant('2024-05-01T00:00', { requireTime: true }).seconds).toBe(1714521600);
  });
});

describe('tryParseInstant', () => {
  it('gives undefined for nothing and for what is not a datetime', () => {
    expect(tryParseInstant(undefined)).toBeUndefined();
    expect(tryParseInstant('')).toBeUndefined();
    expect(tryParseInstant('soon')).toBeUndefined();
    expect(tryParseInstant('2024-05-01T00:00:00Z')).toEqual({ seconds: 1714521600, micros: 0 });
  });
});
