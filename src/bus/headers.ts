import { instantToDate, parseInstant } from '../domain/datetime.js';
import { DecodeError } from './decode-error.js';

/**
 * CloudEvents metadata of an Open edX event, as edx-event-bus-kafka writes it into Kafka headers
 * (utils.py: ce_type, ce_id, …) and edx-event-bus-redis into stream entry fields (type, id, …).
 */
export interface EventMetadata {
  type: string;
  id: string;
  /** Absent only when the producer left it out; the Kafka message timestamp is the next best time. */
  time?: Date;
  minorVersion: number;
  source?: string;
  sourceHost?: string;
  /** The openedx-events version of the producer, e.g. [11, 2, 0]: the only schema hint on Redis. */
  sourceLib?: number[];
  specVersion?: string;
  contentType?: string;
}

/** What kafkajs hands over as `message.headers`: a Buffer, or an array when the header is repeated. */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

interface FieldNames {
  type: string;
  id: string;
  time: string;
  minorVersion: string;
  source: string;
  sourceHost: string;
  sourceLib: string;
  specVersion?: string;
  contentType?: string;
}

const KAFKA_NAMES: FieldNames = {
  type: 'ce_type',
  id: 'ce_id',
  time: 'ce_time',
  minorVersion: 'ce_minorversion',
  source: 'ce_source',
  sourceHost: 'sourcehost',
  sourceLib: 'sourcelib',
  specVersion: 'ce_specversion',
  contentType: 'ce_datacontenttype',
};

const REDIS_NAMES: FieldNames = {
  type: 'type',
  id: 'id',
  time: 'time',
  minorVersion: 'minorversion',
  source: 'source',
  sourceHost: 'sourcehost',
  sourceLib: 'sourcelib',
};

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads the CloudEvents headers of a Kafka message. Throws DecodeError('bad-headers'). */
export function parseKafkaHeaders(headers: KafkaHeaders | undefined): EventMetadata {
  return parseMetadata((name) => values(headers?.[name]), KAFKA_NAMES, 'header');
}

/** Reads the metadata fields of an edx-event-bus-redis stream entry. Throws DecodeError('bad-headers'). */
export function parseRedisFields(fields: Map<string, Buffer>): EventMetadata {
  return parseMetadata(
    (name) => {
      const value = fields.get(name);
      return value === undefined ? [] : [value.toString('utf8')];
    },
    REDIS_NAMES,
    'field',
  );
}

function values(raw: KafkaHeaders[string]): string[] {
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((v) => (typeof v === 'string' ? v : v.toString('utf8')));
}

function parseMetadata(lookup: (name: string) => string[], names: FieldNames, noun: string): EventMetadata {
  // Like edx-event-bus-kafka, a repeated metadata header is ambiguous and so an error.
  const single = (name: string | undefined): string | undefined => {
    if (name === undefined) return undefined;
    const found = lookup(name);
    if (found.length > 1) {
      throw new DecodeError('bad-headers', `${noun} ${name} appears ${found.length} times; expected once`);
    }
    return found[0];
  };
  const required = (name: string): string => {
    const value = single(name);
    if (value === undefined || value === '') {
      throw new DecodeError('bad-headers', `${noun} ${name} is missing; every Open edX event carries one`);
    }
    return value;
  };

  const type = required(names.type);
  const id = required(names.id);
  if (!UUID_PATTERN.test(id))
    throw new DecodeError('bad-headers', `${noun} ${names.id} "${id}" is not a UUID`);
  const timeText = single(names.time);
  const minorText = single(names.minorVersion);
  const sourceLibText = single(names.sourceLib);

  return {
    type,
    id,
    time: timeText === undefined ? undefined : parseEventTime(timeText, `${noun} ${names.time}`),
    minorVersion: minorText === undefined ? 0 : parseMinorVersion(minorText, `${noun} ${names.minorVersion}`),
    source: single(names.source),
    sourceHost: single(names.sourceHost),
    sourceLib:
      sourceLibText === undefined ? undefined : parseSourceLib(sourceLibText, `${noun} ${names.sourceLib}`),
    specVersion: single(names.specVersion),
    contentType: single(names.contentType),
  };
}

/**
 * Reads Python's datetime.isoformat() output: the fraction is absent when microseconds are 0, and the
 * offset is +00:00. A time without an offset is taken as UTC, since openedx-events only emits UTC times
 * and JavaScript would otherwise read it as local time.
 */
export function parseEventTime(text: string, what = 'time'): Date {
  try {
    return instantToDate(parseInstant(text, { requireTime: true }));
  } catch {
    throw new DecodeError('bad-headers', `${what} "${text}" is not a valid ISO 8601 date-time`);
  }
}

function parseMinorVersion(text: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new DecodeError('bad-headers', `${what} "${text}" is not an integer`);
  return Number(text);
}

/** "11.2.0" → [11, 2, 0], as edx-event-bus-kafka's _sourcelib_str_to_tuple does. */
export function parseSourceLib(text: string, what = 'sourcelib'): number[] {
  const parts = text.trim().split('.');
  if (!parts.every((p) => /^\d+$/.test(p))) {
    throw new DecodeError('bad-headers', `${what} "${text}" is not a dotted version like 11.2.0`);
  }
  return parts.map(Number);
}

/** Orders two versions part by part, missing parts counting as 0. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
