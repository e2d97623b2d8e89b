import { DecodeError } from './decode-error.js';
import type { KafkaHeaders } from './headers.js';

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
} as const;

const OUR_PREFIX = 'course_sink_';
/** Kafka headers are small by convention; a stack trace is not needed to triage. */
const MAX_ERROR_LENGTH = 2_000;

export interface OriginalMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers?: KafkaHeaders;
  topic: string;
  partition: number;
  offset: string;
}

export interface DeadLetterMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkaHeaders;
}

export interface ParsedDeadLetter {
  /** The message as it was first consumed, ready to be produced again to `original.topic`. */
  original: OriginalMessage & { headers: KafkaHeaders };
  reason: string;
  error: string;
  time: Date;
}

/** The record to produce to the dead-letter topic for `original`. */
export function buildDeadLetter(
  original: OriginalMessage,
  reason: string,
  error: unknown,
  now: Date,
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
    },
  };
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
  const time = new Date(get(DLQ_HEADERS.time));
  if (!Number.isInteger(partition) || Number.isNaN(time.getTime())) {
    throw new DecodeError(
      'bad-headers',
      'dead-letter headers course_sink_source_partition or course_sink_dlq_time are malformed',
    );
  }
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
    time,
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
