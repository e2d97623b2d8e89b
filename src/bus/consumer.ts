import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { Coalescer, type CoalescerStats, type SyncCourse } from './coalescer.js';
import type { LogMethods } from '../log.js';
import { buildDeadLetter } from './dead-letter.js';
import { decodeRedisEntry, KafkaEventDecoder } from './decode.js';
import { createKafka } from './kafka-client.js';
import type { BusObserver } from './observer.js';
import { KafkaBusConsumer } from './kafka-consumer.js';
import { RedisBusConsumer } from './redis-consumer.js';
import { SchemaRegistryClient } from './schema-registry.js';
import { CATALOG_INFO_TOPIC, fullTopic, XBLOCK_LIFECYCLE_TOPIC } from './topics.js';
import { ConfigError } from '../errors.js';
import type { Alarms } from '../alarms.js';

/**
 * What the rest of course-sink sees of the event bus, whichever transport carries it: start consuming,
 * stop gracefully, and report health and lag. Each transport decodes, coalesces per course through a
 * Coalescer, and acknowledges a message only once it was applied or dead-lettered.
 */
export interface BusConsumer {
  /** Connects, joins the consumer group and starts delivering events to the coalescer. */
  start(): Promise<void>;
  /**
   * Stops reading, lets syncs in flight finish for up to `graceMs`, acknowledges/commits what finished,
   * and disconnects. Whatever did not finish is delivered again after the next start.
   */
  stop(graceMs: number): Promise<void>;
  health(): BusHealth;
  /** Messages not yet acknowledged by the group, per partition; computed on demand (it asks the server). */
  lag(): Promise<PartitionLag[]>;
}

export interface BusHealth {
  /** Member of the consumer group with an assignment (Kafka) or reading its streams (Redis). */
  joined: boolean;
  /** Reading is paused because too many messages are awaiting their sync. */
  paused: boolean;
  /** Messages received and not yet applied or dead-lettered. */
  outstanding: number;
  coalescer: CoalescerStats;
}

export interface PartitionLag {
  topic: string;
  /** Always 0 for a Redis stream. */
  partition: number;
  /** Next offset the group will read, or null when it has committed nothing yet. */
  committed: string | null;
  highWatermark: string;
  lag: number;
}

/** Where a new consumer group starts: the whole retained backlog, or only messages produced from now on. */
export type StartPosition = 'earliest' | 'latest';

/** The part of the service configuration the bus needs (structurally `Config['bus']`). */
export interface BusSettings {
  backend: 'kafka' | 'redis';
  kafka?: { brokers: string[]; sasl?: { username: string; password: string } };
  redisUrl?: string;
  topicPrefix?: string;
  /** Base topic names before the prefix (EVENT_BUS_TOPICS); unset means Studio's two course topics. */
  baseTopics?: string[];
  consumerGroup: string;
  schemaRegistry?: { url: string; auth?: { username: string; password: string } };
  dlqSuffix: string;
  strictEventTypes: boolean;
  /** How long a schema id the registry does not know is dead-lettered without asking again. */
  unknownSchemaTtlMs?: number;
  debounceMs: number;
  concurrency: number;
  /** When a course whose sync keeps failing is parked (dead-lettered as sync-failed). */
  syncBudget?: { maxAttempts: number; maxRetryMs: number };
}

export interface BusConsumerDeps {
  sync: SyncCourse;
  logger?: LogMethods;
  /** Base topic names before the prefix; defaults to the two Studio topics course-sink understands. */
  baseTopics?: readonly string[];
  startPosition?: StartPosition;
  onIgnored?: (eventType: string) => void;
  observer?: BusObserver;
  /** Conditions that hold events back until an operator acts; /readyz reports them. */
  alarms?: Alarms;
  /** The transport stopped for good on its own; the process should exit so it is restarted. */
  onFatal?: (err: unknown) => void;
}

export const DEFAULT_BASE_TOPICS: readonly string[] = [CATALOG_INFO_TOPIC, XBLOCK_LIFECYCLE_TOPIC];

/** Builds the configured transport with the real decoder, dead-letter format and a coalescer around `sync`. */
export function createBusConsumer(bus: BusSettings, deps: BusConsumerDeps): BusConsumer {
  const topics = (deps.baseTopics ?? bus.baseTopics ?? DEFAULT_BASE_TOPICS).map((t) =>
    fullTopic(t, bus.topicPrefix),
  );
  const coalescer = new Coalescer({
    run: deps.sync,
    debounceMs: bus.debounceMs,
    concurrency: bus.concurrency,
    budget: bus.syncBudget,
    alarms: deps.alarms,
    observer: deps.observer,
    logger: deps.logger,
  });
  const decoderOptions = { strict: bus.strictEventTypes, onIgnored: deps.onIgnored };

  if (bus.backend === 'redis') {
    if (!bus.redisUrl)
      throw new ConfigError([
        'EVENT_BUS_BACKEND is redis but EVENT_BUS_REDIS_URL is not set; set it to the Redis holding the event streams',
      ]);
    return new RedisBusConsumer({
      redis: new Redis(bus.redisUrl, { maxRetriesPerRequest: null }),
      group: bus.consumerGroup,
      streams: topics,
      dlqSuffix: bus.dlqSuffix,
      decode: async (entry) => decodeRedisEntry(entry, decoderOptions),
      coalescer,
      consumerName: `${hostname()}-${process.pid}`,
      startPosition: deps.startPosition,
      logger: deps.logger,
      observer: deps.observer,
    });
  }

  if (!bus.kafka) {
    throw new ConfigError([
      'EVENT_BUS_BACKEND is kafka but EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS is not set; set it to the brokers Open edX produces to',
    ]);
  }
  if (!bus.schemaRegistry) {
    throw new ConfigError([
      'EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL is not set; Open edX Kafka events can only be decoded with the schema registry they were written with',
    ]);
  }
  const kafka = createKafka(bus.kafka, deps.logger);
  const decoder = new KafkaEventDecoder(
    new SchemaRegistryClient({
      ...bus.schemaRegistry,
      unknownIdTtlMs: bus.unknownSchemaTtlMs,
    }),
    decoderOptions,
  );
  return new KafkaBusConsumer({
    kafka,
    groupId: bus.consumerGroup,
    topics,
    dlqSuffix: bus.dlqSuffix,
    decode: (message) => decoder.decode(message),
    buildDeadLetter,
    coalescer,
    startPosition: deps.startPosition,
    logger: deps.logger,
    observer: deps.observer,
    alarms: deps.alarms,
    onFatal: deps.onFatal,
  });
}
