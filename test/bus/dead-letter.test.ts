import { describe, expect, it } from 'vitest';
import {
  buildDeadLetter,
  deadLetterSize,
  fitDeadLetter,
  MAX_KEPT_PREFIX,
  DLQ_HEADERS,
  parseDeadLetter,
} from '../../src/bus/dead-letter.js';
import { DecodeError } from '../../src/bus/decode-error.js';
import type { ReceivedMessage } from '../../src/bus/message.js';

const original: ReceivedMessage = {
  key: Buffer.from([0, 0, 0, 0, 1, 2, 0x41]),
  value: Buffer.from([0, 0, 0, 0, 2, 0xff, 0x00]),
  headers: {
    ce_type: Buffer.from('org.openedx.content_authoring.xblock.published.v1'),
    ce_id: Buffer.from('x'),
    tags: [Buffer.from('a'), Buffer.from('b')],
  },
  topic: 'dev-course-authoring-xblock-lifecycle',
  partition: 3,
  offset: '9007199254740993',
};
const now = new Date('2024-06-01T10:00:00.000Z');

describe('dead letters', () => {
  it('keep the original key, value and headers byte for byte', () => {
    const letter = buildDeadLetter(
      original,
      'schema-mismatch',
      new DecodeError('schema-mismatch', 'nope'),
      now,
    );
    expect(letter.key).toEqual(original.key);
    expect(letter.value).toEqual(original.value);
    expect(letter.headers.ce_type).toEqual(original.headers!.ce_type);
    expect(letter.headers.tags).toEqual(original.headers!.tags);
  });

  it('say why and where from in course_sink_* headers', () => {
    const letter = buildDeadLetter(
      original,
      'invalid-course-key',
      new DecodeError('invalid-course-key', 'bad key'),
      now,
    );
    const text = (name: string) => (letter.headers[name] as Buffer).toString('utf8');
    expect(text(DLQ_HEADERS.reason)).toBe('invalid-course-key');
    expect(text(DLQ_HEADERS.error)).toBe('DecodeError: bad key');
    expect(text(DLQ_HEADERS.topic)).toBe('dev-course-authoring-xblock-lifecycle');
    expect(text(DLQ_HEADERS.partition)).toBe('3');
    expect(text(DLQ_HEADERS.offset)).toBe('9007199254740993');
    expect(text(DLQ_HEADERS.time)).toBe('2024-06-01T10:00:00.000Z');
  });

  it('describe non-Error failures and cut very long messages', () => {
    expect(
      (
        buildDeadLetter(original, 'sync-failed', 'plain text', now).headers[DLQ_HEADERS.error] as Buffer
      ).toString(),
    ).toBe('plain text');
    const long = buildDeadLetter(original, 'x', new Error('e'.repeat(10_000)), now).headers[
      DLQ_HEADERS.error
    ] as Buffer;
    expect(long.toString('utf8').length).toBeLessThanOrEqual(2_000);
  });

  it('parse back into the original message and the failure', () => {
    const parsed = parseDeadLetter(buildDeadLetter(original, 'bad-headers', new Error('dup'), now));
    expect(parsed).toEqual({
      original: { ...original },
      reason: 'bad-headers',
      error: 'Error: dup',
      time: now,
    });
  });

  it('parse headers given as strings, as kafkajs producers may send them', () => {
    const letter = buildDeadLetter(original, 'bad-framing', new Error('x'), now);
    const asStrings = Object.fromEntries(
      Object.entries(letter.headers).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : v]),
    );
    expect(parseDeadLetter({ ...letter, headers: asStrings }).original.offset).toBe('9007199254740993');
  });

  it('carry only the latest failure when a replayed message fails again', () => {
    const first = buildDeadLetter(original, 'unknown-schema-id', new Error('first'), now);
    const replayed = parseDeadLetter(first).original;
    const second = buildDeadLetter(
      { ...replayed, headers: first.headers, offset: '12' },
      'schema-mismatch',
      new Error('second'),
      now,
    );
    const parsed = parseDeadLetter(second);
    expect(parsed.reason).toBe('schema-mismatch');
    expect(parsed.original.offset).toBe('12');
    expect(Object.keys(parsed.original.headers).sort()).toEqual(['ce_id', 'ce_type', 'tags']);
  });

  it('refuse to parse a message course-sink did not dead-letter', () => {
    expect(() => parseDeadLetter({ key: null, value: Buffer.from('x'), headers: {} })).toThrow(DecodeError);
  });

  it('fit the broker as position, headers and a bounded prefix when the original is too large', () => {
    const big = Buffer.alloc(1_048_000, 7);
    const letter = buildDeadLetter({ ...original, value: big }, 'bad-framing', new Error('x'), now);
    const fitted = fitDeadLetter(letter, 1_048_588);
    expect(deadLetterSize(fitted)).toBeLessThanOrEqual(1_048_588);
    expect(fitted.value!.length).toBe(MAX_KEPT_PREFIX);
    expect(big.subarray(0, MAX_KEPT_PREFIX).equals(fitted.value!)).toBe(true);
    expect(fitted.headers.ce_type).toEqual(original.headers!.ce_type);
    const parsed = parseDeadLetter(fitted);
    expect(parsed.truncatedFrom).toBe(1_048_000);
    expect(parsed.original).toMatchObject({ topic: original.topic, partition: 3, offset: original.offset });
    expect((fitted.headers[DLQ_HEADERS.valueSha256] as Buffer).toString()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fit a limit smaller than the usual prefix, cutting the key too when it alone is too large', () => {
    const letter = buildDeadLetter(
      { ...original, key: Buffer.alloc(5_000, 1), value: Buffer.alloc(5_000, 2) },
      'bad-framing',
      new Error('x'),
      now,
    );
    const fitted = fitDeadLetter(letter, 3_000);
    expect(deadLetterSize(fitted)).toBeLessThanOrEqual(3_000);
    expect(fitted.key!.length).toBeLessThan(5_000);
    expect(fitDeadLetter(buildDeadLetter(original, 'x', new Error('x'), now), 1_048_588).value).toEqual(
      original.value,
    );
  });

  it('say how many sync attempts a parked course took', () => {
    const letter = buildDeadLetter(original, 'sync-failed', new Error('LMS 500'), now, { attempts: 8 });
    expect(parseDeadLetter(letter).attempts).toBe(8);
  });
});
