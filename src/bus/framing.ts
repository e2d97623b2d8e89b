import { DecodeError } from './decode-error.js';

/**
 * Confluent Schema Registry wire framing, as written by confluent-kafka's AvroSerializer for both the
 * key and the value of every event-bus-kafka message: magic byte 0, a 4-byte big-endian schema id,
 * then the schemaless Avro body.
 */

export const MAGIC_BYTE = 0;
export const HEADER_LENGTH = 5;

export interface Framed {
  schemaId: number;
  payload: Buffer;
}

/** Splits a framed buffer; `what` names the part in errors, e.g. "value of dev-topic[0]@42". */
export function parseFraming(buf: Buffer | null | undefined, what = 'message'): Framed {
  if (!buf || buf.length === 0) {
    throw new DecodeError(
      'bad-framing',
      `${what} is empty; an Open edX event always carries a framed Avro body`,
    );
  }
  // Confluent's deserializer rejects 5 bytes or fewer too: every Open edX record has at least one field.
  if (buf.length <= HEADER_LENGTH) {
    throw new DecodeError(
      'bad-framing',
      `${what} is ${buf.length} bytes, too short for the 5-byte schema id header`,
    );
  }
  if (buf[0] !== MAGIC_BYTE) {
    throw new DecodeError(
      'bad-framing',
      `${what} starts with byte ${buf[0]}, not the Confluent magic byte 0; was it produced without the schema registry serializer?`,
    );
  }
  return { schemaId: buf.readUInt32BE(1), payload: buf.subarray(HEADER_LENGTH) };
}

/** The inverse of parseFraming, for tests and for producing. */
export function frame(schemaId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}
