import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bus/decode-error.js';
import { frame, parseFraming } from '../../src/bus/framing.js';
import { PermanentError } from '../../src/errors.js';

function decodeErrorOf(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('Confluent framing', () => {
  it('reads the key bytes edx-event-bus-kafka tests show: schema id 1, then the Avro string "foobob"', () => {
    const { schemaId, payload } = parseFraming(Buffer.from('\x00\x00\x00\x00\x01\x0cfoobob', 'latin1'));
    expect(schemaId).toBe(1);
    expect(payload).toEqual(Buffer.from('\x0cfoobob', 'latin1'));
  });

  it('reads the schema id as an unsigned big-endian 32-bit number', () => {
    expect(parseFraming(frame(0xfffffffe, Buffer.from([2]))).schemaId).toBe(0xfffffffe);
    expect(parseFraming(frame(258, Buffer.from([2]))).schemaId).toBe(258);
  });

  it('round-trips through frame', () => {
    const body = Buffer.from([1, 2, 3]);
    expect(parseFraming(frame(42, body))).toEqual({ schemaId: 42, payload: body });
  });

  it.each([
    ['null', null],
    ['empty', Buffer.alloc(0)],
    ['header only', Buffer.from([0, 0, 0, 0, 1])],
  ])('rejects a %s buffer as bad-framing', (_name, buf) => {
    const err = decodeErrorOf(() => parseFraming(buf, 'value of t[0]@3'));
    expect(err.reason).toBe('bad-framing');
    expect(err.message).toContain('value of t[0]@3');
  });

  it('rejects a buffer without the magic byte as a permanent bad-framing error', () => {
    const err = decodeErrorOf(() => parseFraming(Buffer.from('{"course_key": "x"}')));
    expect(err.reason).toBe('bad-framing');
    expect(err).toBeInstanceOf(PermanentError);
  });
});
