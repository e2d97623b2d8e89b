import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { Coalescer } from './coalescer.js';
import { buildDeadLetter } from './dead-letter.js';
import { decodeRedisEntry, KafkaEventDecoder } from './decode.js';
import { createKafka } from './kafka/client.js';
import { KafkaBusConsumer } from './kafka/consumer.js';
import { RedisBusConsumer } from './redis/consumer.js';
import { SchemaRegistryClient } from './schema-registry.js';
import { CATALOG_INFO_TOPIC, fullTopic, XBLOCK_LIFECYCLE_TOPIC } from './topics.js';
import type { BusConsumer, BusConsumerDeps, BusSettings } from './types.js';
import { ConfigError } from '../errors.js';

/**
 * Picks and wires the configured transport: the real decoder and dead-letter format, and a coalescer
 * around the caller's sync. The only module that knows both transports.
 */

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
  const decoderOptions = {
    strict: bus.strictEventTypes,
    // Studio's topics carry more event types than course-sink applies (xblock created, updated, …).
    onIgnored: (eventType: string) =>
      deps.logger?.debug({ event_type: eventType }, 'skipping an event type course-sink does not apply'),
  };

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
      alarms: deps.alarms,
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
