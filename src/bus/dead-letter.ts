import { instantToDate, tryParseInstant } from '../domain/datetime.js';
import { createHash } from 'node:crypto';
import { DecodeError } from './decode-error.js';
import type { KafkaHeaders } from './headers.js';
import type { ReceivedMessage } from './message.js';

/**
 * Dead letters: a message that can never be applied is copied to `{topic}{dlqSuffix}` with its key,
 * value and headers untouched (so `dlq replay` can put it back exactly), plus course_sink_* headers
 * saying where it came from and why it failed.
 */

export const DLQ_HEADERS = {
  reason: 'course_sink_dlq_reason',
  error: 'course_sink_dlq_error',
  time: 'course_sink_dlq_time',
  topic: 'course_sink_source_topic',
  partition: 'course_sink_source_partition',
  offset: 'course_sink_source_offset',
  /** Sync attempts made before a course was parked (reason sync-failed). */
  attempts: 'course_sink_sync_attempts',
  /** Set when the broker could not take the whole original: its length in bytes, and its sha256. */
  truncatedFrom: 'course_sink_dlq_truncated_from',
  valueSha256: 'course_sink_dlq_value_sha256',
} as const;

const OUR_PREFIX = 'course_sink_';
/** Kafka headers are small by convention; a stack trace is not needed to triage. */
const MAX_ERROR_LENGTH = 2_000;

export interface DeadLetterMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkaHeaders;
}

/** What a dead letter says beyond its reason and error. */
export interface DeadLetterDetails {
  /** Sync attempts made before the course was parked. */
  attempts?: number;
}

export interface ParsedDeadLetter {
  /** The message as it was first consumed, ready to be produced again to `original.topic`. */
  original: ReceivedMessage & { headers: KafkaHeaders };
  reason: string;
  error: string;
  time: Date;
  attempts?: number;
  /** The original value's length when the dead letter carries only a prefix of it: not replayable. */
  truncatedFrom?: number;
}

/** How a transport builds a dead letter; buildDeadLetter in production. */
export type BuildDeadLetter = (
  original: ReceivedMessage,
  reason: string,
  error: unknown,
  now: Date,
  details?: DeadLetterDetails,
) => DeadLetterMessage;

/** The record to produce to the dead-letter topic for `original`. */
export function buildDeadLetter(
  original: ReceivedMessage,
  reason: string,
  error: unknown,
  now: Date,
  details: DeadLetterDetails = {},
): DeadLetterMessage {
  return {
    key: original.key,
    value: original.value,
    headers: {
      ...withoutOurHeaders(original.headers),
      [DLQ_HEADERS.reason]: Buffer.from(reason, 'utf8'),
      [DLQ_HEADERS.error]: Buffer.from(describeError(error), 'utf8'),
      [DLQ_HEADERS.time]: Buffer.from(now.toISOString(), 'utf8'),
      [DLQ_HEADERS.topic]: Buffer.from(original.topic, 'utf8'),
      [DLQ_HEADERS.partition]: Buffer.from(String(original.partition), 'utf8'),
      [DLQ_HEADERS.offset]: Buffer.from(original.offset, 'utf8'),
      ...(details.attempts === undefined
        ? {}
        : { [DLQ_HEADERS.attempts]: Buffer.from(String(details.attempts), 'utf8') }),
    },
  };
}

/** Bytes a record needs in a produce request beyond its key, value and headers, generously (varints, batch header). */
const RECORD_OVERHEAD = 512;
/** The most of an oversize original a dead letter keeps: enough to recognise it, small for any broker. */
export const MAX_KEPT_PREFIX = 64 * 1024;

type Bytes = Buffer | string | null;
const byteLength = (b: Bytes | undefined) => (b === null || b === undefined ? 0 : Buffer.byteLength(b));

/** An upper bound of the bytes `letter` takes on the broker. */
export function deadLetterSize(letter: { key: Bytes; value: Bytes; headers: KafkaHeaders }): number {
  let size = RECORD_OVERHEAD + byteLength(letter.key) + byteLength(letter.value);
  for (const [name, value] of Object.entries(letter.headers)) {
    for (const v of Array.isArray(value) ? value : [value])
      size += Buffer.byteLength(name) + byteLength(v) + 10;
  }
  return size;
}

/**
 * The dead letter as the broker can take it: unchanged when it fits `maxBytes`, otherwise with the
 * original's position and headers but only a prefix of its value (and, if need be, of its key), plus
 * the original length and sha256 so it can still be identified. A dead letter must always land:
 * one the broker refuses would hold its partition forever.
 */
export function fitDeadLetter<L extends { key: Bytes; value: Bytes; headers: KafkaHeaders }>(
  letter: L,
  maxBytes: number,
): L {
  if (deadLetterSize(letter) <= maxBytes) return letter;
  const value = Buffer.from(letter.value ?? '');
  const headers: KafkaHeaders = {
    ...letter.headers,
    [DLQ_HEADERS.truncatedFrom]: Buffer.from(String(value.length), 'utf8'),
    [DLQ_HEADERS.valueSha256]: Buffer.from(createHash('sha256').update(value).digest('hex'), 'utf8'),
  };
  const room = (fixed: number) => Math.max(0, Math.min(MAX_KEPT_PREFIX, maxBytes - fixed));
  let key = letter.key === null ? null : Buffer.from(letter.key);
  if (key && deadLetterSize({ key, value: null, headers }) > maxBytes) {
    key = key.subarray(0, room(deadLetterSize({ key: null, value: null, headers })));
  }
  const kept = value.subarray(0, room(deadLetterSize({ key, value: null, headers })));
  return { ...letter, key, value: kept, headers };
}

/** Reads a message from a dead-letter topic back. Throws DecodeError('bad-headers') if it is not one of ours. */
export function parseDeadLetter(message: {
  key: Buffer | null;
  value: Buffer | null;
  headers?: KafkaHeaders;
}): ParsedDeadLetter {
  const headers = message.headers ?? {};
  const get = (name: string): string => {
    const raw = headers[name];
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first === undefined) {
      throw new DecodeError(
        'bad-headers',
        `header ${name} is missing: this message was not written by course-sink's dead-lettering`,
      );
    }
    return typeof first === 'string' ? first : first.toString('utf8');
  };
  const partition = Number(get(DLQ_HEADERS.partition));
  const instant = tryParseInstant(get(DLQ_HEADERS.time));
  if (!Number.isInteger(partition) || !instant) {
    throw new DecodeError(
      'bad-headers',
      'dead-letter headers course_sink_source_partition or course_sink_dlq_time are malformed',
    );
  }
  const number = (name: string): number | undefined => {
    const raw = headers[name];
    const first = Array.isArray(raw) ? raw[0] : raw;
    const n = first === undefined ? NaN : Number(first.toString());
    return Number.isInteger(n) ? n : undefined;
  };
  return {
    original: {
      key: message.key,
      value: message.value,
      headers: withoutOurHeaders(headers),
      topic: get(DLQ_HEADERS.topic),
      partition,
      offset: get(DLQ_HEADERS.offset),
    },
    reason: get(DLQ_HEADERS.reason),
    error: get(DLQ_HEADERS.error),
    time: instantToDate(instant),
    attempts: number(DLQ_HEADERS.attempts),
    truncatedFrom: number(DLQ_HEADERS.truncatedFrom),
  };
}

function withoutOurHeaders(headers: KafkaHeaders | undefined): KafkaHeaders {
  const out: KafkaHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    // A replayed message that fails again must carry only its latest failure.
    if (value !== undefined && !name.startsWith(OUR_PREFIX)) out[name] = value;
  }
  return out;
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
