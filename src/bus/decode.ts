import type avro from 'avsc';
import type { CourseEvent } from '../domain/events.js';
import { DecodeError } from './decode-error.js';
import { parseFraming } from './framing.js';
import { compareVersions, parseKafkaHeaders, parseRedisFields, type EventMetadata } from './headers.js';
import type { ReceivedMessage, RedisStreamEntry } from './message.js';
import type { SchemaSource } from './schema-registry.js';
import { SIGNALS, signalsByType, type EventEnvelope, type SignalSpec } from './signals.js';

/**
 * Turns Open edX event bus messages into CourseEvents. Kafka values are decoded with the writer schema
 * named by their schema id, resolved to our reader schema (schemas/), so producers on newer openedx-events
 * releases that add optional fields still decode. Redis entries carry no schema id and are read with our
 * schema, or an older one chosen by the entry's sourcelib.
 */

export interface DecoderOptions {
  /** Reject event types we do not know (DecodeError 'unknown-event-type') instead of skipping them. */
  strict?: boolean;
  /** Defaults to SIGNALS; pass more specs to map further signals (e.g. a future course deletion). */
  signals?: readonly SignalSpec[];
  /** Told of every skipped event type (the consumer logs it at debug level). */
  onIgnored?: (eventType: string) => void;
}

export class KafkaEventDecoder {
  private readonly signals: ReadonlyMap<string, SignalSpec>;
  private readonly resolvers = new Map<string, avro.Resolver>();

  constructor(
    private readonly registry: SchemaSource,
    private readonly options: DecoderOptions = {},
  ) {
    this.signals = signalsByType(options.signals ?? SIGNALS);
  }

  /** The CourseEvent, or null for an event type we skip. Throws DecodeError (permanent) or RetryableError. */
  async decode(message: ReceivedMessage): Promise<CourseEvent | null> {
    const where = `${message.topic}[${message.partition}]@${message.offset}`;
    return withContext(where, async () => {
      const metadata = parseKafkaHeaders(message.headers);
      const signal = this.signalFor(metadata.type);
      if (!signal) return null;
      const { schemaId, payload } = parseFraming(message.value, 'value');
      const writer = await this.registry.getSchema(schemaId);
      const data = readAvro(
        payload,
        signal,
        this.resolver(schemaId, writer.type, signal),
        `writer schema id ${schemaId}`,
      );
      const time = metadata.time ?? timestampDate(message.timestamp);
      if (!time)
        throw new DecodeError('bad-headers', 'header ce_time is missing and the message has no timestamp');
      return signal.toEvent(
        data,
        envelope(metadata, time, {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
        }),
      );
    });
  }

  private signalFor(eventType: string): SignalSpec | undefined {
    const signal = this.signals.get(eventType);
    if (!signal) noteUnknownType(eventType, this.options);
    return signal;
  }

  private resolver(schemaId: number, writer: avro.Type, signal: SignalSpec): avro.Resolver {
    const cacheKey = `${schemaId}\u0000${signal.eventType}`;
    let resolver = this.resolvers.get(cacheKey);
    if (!resolver) {
      resolver = createResolver(signal, writer, `writer schema id ${schemaId}`);
      this.resolvers.set(cacheKey, resolver);
    }
    return resolver;
  }
}

/** A stream entry, its fields also accepted as the flat name/value list ioredis' *Buffer commands return. */
export type RedisEntryIn = Omit<RedisStreamEntry, 'fields'> & {
  fields: RedisStreamEntry['fields'] | readonly (Buffer | string)[];
};

const olderWriterResolvers = new WeakMap<avro.Type, avro.Resolver>();

/**
 * Decodes one Redis stream entry. Its event_data is bare Avro written by the producer's own openedx-events
 * schema; ours is used unless sourcelib says the producer predates a field we have. Null means an event
 * type we skip.
 */
export function decodeRedisEntry(entry: RedisEntryIn, options: DecoderOptions = {}): CourseEvent | null {
  const where = `${entry.stream}@${entry.id}`;
  return withContextSync(where, () => {
    const fields = toFieldMap(entry.fields);
    const metadata = parseRedisFields(fields);
    const signal = signalsByType(options.signals ?? SIGNALS).get(metadata.type);
    if (!signal) {
      noteUnknownType(metadata.type, options);
      return null;
    }
    const body = fields.get('event_data');
    if (!body) throw new DecodeError('bad-framing', 'field event_data is missing');
    const older = metadata.sourceLib
      ? signal.olderWriters.find((w) => compareVersions(metadata.sourceLib!, w.before) < 0)
      : undefined;
    let resolver: avro.Resolver | undefined;
    if (older) {
      resolver = olderWriterResolvers.get(older.type) ?? signal.readerType.createResolver(older.type);
      olderWriterResolvers.set(older.type, resolver);
    }
    const lib = metadata.sourceLib?.join('.') ?? 'unknown';
    const data = readAvro(body, signal, resolver, `openedx-events ${lib} schema`);
    if (!metadata.time) throw new DecodeError('bad-headers', 'field time is missing');
    return signal.toEvent(
      data,
      envelope(metadata, metadata.time, { topic: entry.stream, partition: 0, offset: entry.id }),
    );
  });
}

function noteUnknownType(eventType: string, options: DecoderOptions): void {
  if (options.strict) {
    throw new DecodeError(
      'unknown-event-type',
      `event type ${eventType} is not one course-sink consumes; unset EVENT_BUS_STRICT_EVENT_TYPES to skip such events`,
    );
  }
  options.onIgnored?.(eventType);
}

function createResolver(signal: SignalSpec, writer: avro.Type, writerName: string): avro.Resolver {
  if (writer.name !== signal.readerType.name) {
    throw new DecodeError(
      'schema-mismatch',
      `${writerName} is the record ${writer.name ?? writer.typeName}, but ce_type ${signal.eventType} needs ${signal.readerType.name}`,
    );
  }
  try {
    return signal.readerType.createResolver(writer);
  } catch (err) {
    throw new DecodeError(
      'schema-mismatch',
      `${writerName} cannot be read as ${signal.eventType}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

function readAvro(
  payload: Buffer,
  signal: SignalSpec,
  resolver: avro.Resolver | undefined,
  writerName: string,
): unknown {
  try {
    return signal.readerType.fromBuffer(payload, resolver);
  } catch (err) {
    throw new DecodeError(
      'schema-mismatch',
      `the Avro body does not decode as ${signal.eventType} with the ${writerName}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

function envelope(metadata: EventMetadata, time: Date, position: EventEnvelope['position']): EventEnvelope {
  return { eventId: metadata.id, eventType: metadata.type, time, source: metadata.source, position };
}

function timestampDate(timestamp: string | undefined): Date | undefined {
  if (timestamp === undefined || !/^\d+$/.test(timestamp)) return undefined;
  return new Date(Number(timestamp));
}

function toFieldMap(fields: RedisEntryIn['fields']): Map<string, Buffer> {
  if (fields instanceof Map) return fields;
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    map.set(name.toString(), typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  }
  return map;
}

/** Prefixes a DecodeError's message with where the message was, keeping its reason. */
async function withContext<T>(where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw addContext(where, err);
  }
}

function withContextSync<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw addContext(where, err);
  }
}

function addContext(where: string, err: unknown): unknown {
  if (err instanceof DecodeError)
    return new DecodeError(err.reason, `${where}: ${err.message}`, { cause: err.cause ?? err });
  return err;
}
