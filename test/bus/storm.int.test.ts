import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusConsumer } from '../../src/bus/consumer.js';
import type { BusConsumer } from '../../src/bus/types.js';
import type { CourseEvent } from '../../src/domain/events.js';
import { fullTopic, XBLOCK_LIFECYCLE_TOPIC, CATALOG_INFO_TOPIC } from '../../src/bus/topics.js';
import { produce, producerPython, type ProducerEvent } from '../peers/openedx-producer/index.js';
import { stackVar, uniqueName, waitFor } from '../support/stack.js';

/** Publishing a course emits one signal per block: the whole burst must become one sync. */

const COURSE = 'course-v1:StormX+Burst101+2026';
const prefix = uniqueName('storm', '-');
const EVENTS = 1_000;

function published(i: number): ProducerEvent {
  return {
    signal: 'XBLOCK_PUBLISHED',
    topic: XBLOCK_LIFECYCLE_TOPIC,
    id: randomUUID(),
    data: {
      xblock_info: {
        usage_key: `block-v1:StormX+Burst101+2026+type@vertical+block@unit${i}`,
        block_type: 'vertical',
      },
    },
  };
}

let consumer: BusConsumer | undefined;
const kafka = () =>
  new Kafka({
    brokers: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS').split(','),
    logLevel: logLevel.NOTHING,
  });

beforeAll(async () => {
  await producerPython();
});

afterAll(async () => {
  await consumer?.stop(1_000);
});

describe('a storm of xblock.published events from the real Open edX producer', () => {
  it(`turns ${EVENTS} events for one course into one sync, then commits them all`, async () => {
    const env = {
      EVENT_BUS_TOPIC_PREFIX: prefix,
      EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS'),
      EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL: stackVar('EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL'),
    };
    // Both topics must exist before the consumer subscribes.
    await produce('kafka', [published(0)], env);
    await produce(
      'kafka',
      [
        {
          signal: 'COURSE_CATALOG_INFO_CHANGED',
          topic: CATALOG_INFO_TOPIC,
          data: {
            catalog_info: {
              course_key: 'course-v1:StormX+Other+2026',
              name: 'Another course',
              schedule_data: { start: '2026-01-01T00:00:00+00:00', pacing: 'self' },
              hidden: false,
              invitation_only: false,
            },
          },
        },
      ],
      env,
    );

    const syncs: Array<{ courseKey: string; events: number }> = [];
    const group = uniqueName('storm-group', '-');
    consumer = createBusConsumer(
      {
        backend: 'kafka',
        kafka: { brokers: env.EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS.split(',') },
        topicPrefix: prefix,
        consumerGroup: group,
        schemaRegistry: { url: env.EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL },
        dlqSuffix: '.dlq',
        strictEventTypes: false,
        debounceMs: 3_000,
        concurrency: 4,
      },
      {
        sync: async (courseKey: string, events: readonly CourseEvent[]) => {
          syncs.push({ courseKey, events: events.length });
        },
      },
    );
    await consumer.start();
    await waitFor(() => syncs.length === 2, { timeoutMs: 60_000, what: 'the first two syncs' });
    syncs.length = 0;

    await produce(
      'kafka',
      Array.from({ length: EVENTS }, (_, i) => published(i + 1)),
      env,
    );
    const admin = kafka().admin();
    await admin.connect();
    try {
      const topic = fullTopic(XBLOCK_LIFECYCLE_TOPIC, prefix);
      const end = async () => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
      const committed = async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return (offsets?.partitions ?? []).reduce((n, p) => n + Number(p.offset), 0);
      };
      await waitFor(async () => (await committed()) === (await end()), {
        timeoutMs: 90_000,
        what: `all ${EVENTS + 1} messages to be committed`,
      });
    } finally {
      await admin.disconnect();
    }
    expect(syncs).toEqual([{ courseKey: COURSE, events: EVENTS }]);
  }, 180_000);
});
