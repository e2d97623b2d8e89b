import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaEventDecoder } from '../../src/bus/decode.js';
import type { CourseChanged } from '../../src/domain/events.js';
import { parseFraming } from '../../src/bus/framing.js';
import { SchemaRegistryClient } from '../../src/bus/schema-registry.js';
import { CATALOG_INFO_TOPIC, fullTopic, XBLOCK_LIFECYCLE_TOPIC } from '../../src/bus/topics.js';
import { produce, producerPython, type ProducerEvent } from '../peers/openedx-producer/index.js';
import { stackVar, uniqueName, waitFor } from '../support/stack.js';

/**
 * Every signal course-sink consumes, sent by the real edx-event-bus-kafka producer through our Kafka and
 * Apicurio registry, read back with a plain kafkajs consumer and decoded field by field.
 */

const COURSE = 'course-v1:edX+DemoX+Demo_Course';
const BLOCK = (type: string, id: string) => `block-v1:edX+DemoX+Demo_Course+type@${type}+block@${id}`;
// Studio sends course.* signals to no default topic; an operator picks one.
const COURSE_LIFECYCLE_TOPIC = 'course-lifecycle';
// Studio routes content-object signals nowhere by default either; the README's suggestion.
const CONTENT_OBJECT_TOPIC = 'course-sink-content-object-associations';

interface Case {
  event: ProducerEvent & { id: string };
  key: string;
  expected: Omit<CourseChanged, 'position' | 'eventId' | 'source'>;
}

const cases: Case[] = [
  {
    event: {
      signal: 'COURSE_CATALOG_INFO_CHANGED',
      topic: CATALOG_INFO_TOPIC,
      id: randomUUID(),
      time: '2024-05-01T12:34:56.789012+00:00',
      data: {
        catalog_info: {
          course_key: COURSE,
          name: 'Demonstration Course – ünïcode',
          schedule_data: {
            start: '2013-02-05T05:00:00+00:00',
            pacing: 'self',
            end: '2030-01-01T00:00:00+00:00',
            enrollment_start: null,
          },
          hidden: true,
          invitation_only: false,
        },
      },
    },
    key: COURSE,
    expected: {
      kind: 'changed',
      courseKey: COURSE,
      eventType: 'org.openedx.content_authoring.course.catalog_info.changed.v1',
      time: new Date('2024-05-01T12:34:56.789Z'),
      catalogInfo: {
        courseKey: COURSE,
        name: 'Demonstration Course – ünïcode',
        schedule: {
          start: '2013-02-05T05:00:00+00:00',
          pacing: 'self',
          end: '2030-01-01T00:00:00+00:00',
          enrollmentStart: null,
          enrollmentEnd: null,
        },
        hidden: true,
        invitationOnly: false,
      },
    },
  },
  {
    event: {
      signal: 'XBLOCK_PUBLISHED',
      topic: XBLOCK_LIFECYCLE_TOPIC,
      id: randomUUID(),
      // Python prints no fraction when microseconds are 0.
      time: '2024-05-02T08:00:00+00:00',
      data: { xblock_info: { usage_key: BLOCK('sequential', 'basic_questions'), block_type: 'sequential' } },
    },
    key: BLOCK('sequential', 'basic_questions'),
    expected: {
      kind: 'changed',
      courseKey: COURSE,
      eventType: 'org.openedx.content_authoring.xblock.published.v1',
      time: new Date('2024-05-02T08:00:00Z'),
      usageKey: BLOCK('sequential', 'basic_questions'),
    },
  },
  {
    event: {
      signal: 'XBLOCK_DELETED',
      topic: XBLOCK_LIFECYCLE_TOPIC,
      id: randomUUID(),
      time: '2024-05-02T08:00:01.000001+00:00',
      data: {
        xblock_info: {
          usage_key: BLOCK('vertical', 'gone'),
          block_type: 'vertical',
          version:
            'block-v1:edX+DemoX+Demo_Course+branch@draft-branch+version@0123456789abcdef01234567+type@vertical+block@gone',
        },
      },
    },
    key: BLOCK('vertical', 'gone'),
    expected: {
      kind: 'changed',
      courseKey: COURSE,
      eventType: 'org.openedx.content_authoring.xblock.deleted.v1',
      time: new Date('2024-05-02T08:00:01.000Z'),
      usageKey: BLOCK('vertical', 'gone'),
    },
  },
  {
    event: {
      signal: 'XBLOCK_DUPLICATED',
      topic: XBLOCK_LIFECYCLE_TOPIC,
      id: randomUUID(),
      time: '2024-05-02T08:00:02.5+00:00',
      data: {
        xblock_info: {
          usage_key: BLOCK('vertical', 'copy'),
          block_type: 'vertical',
          source_usage_key: BLOCK('vertical', 'original'),
        },
      },
    },
    key: BLOCK('vertical', 'copy'),
    expected: {
      kind: 'changed',
      courseKey: COURSE,
      eventType: 'org.openedx.content_authoring.xblock.duplicated.v1',
      time: new Date('2024-05-02T08:00:02.500Z'),
      usageKey: BLOCK('vertical', 'copy'),
    },
  },
  {
    event: {
      signal: 'CONTENT_OBJECT_ASSOCIATIONS_CHANGED',
      topic: CONTENT_OBJECT_TOPIC,
      id: randomUUID(),
      time: '2024-05-04T10:00:00+00:00',
      keyField: 'content_object.object_id',
      data: { content_object: { object_id: BLOCK('problem', 'tagged'), changes: ['tags'] } },
    },
    key: BLOCK('problem', 'tagged'),
    expected: {
      kind: 'changed',
      courseKey: COURSE,
      eventType: 'org.openedx.content_authoring.content.object.associations.changed.v1',
      time: new Date('2024-05-04T10:00:00Z'),
      objectId: BLOCK('problem', 'tagged'),
      changes: ['tags'],
    },
  },
  {
    event: {
      signal: 'CONTENT_OBJECT_TAGS_CHANGED',
      topic: CONTENT_OBJECT_TOPIC,
      id: randomUUID(),
      time: '2024-05-04T10:00:01+00:00',
      keyField: 'content_object.object_id',
      data: { content_object: { object_id: COURSE } },
    },
    key: COURSE,
    expected: {
      kind: 'changed',
      courseKey: COURSE,
      eventType: 'org.openedx.content_authoring.content.object.tags.changed.v1',
      time: new Date('2024-05-04T10:00:01Z'),
      objectId: COURSE,
      changes: ['tags'],
    },
  },
  ...(
    [
      ['COURSE_CREATED', 'created'],
      ['COURSE_IMPORT_COMPLETED', 'import.completed'],
      ['COURSE_RERUN_COMPLETED', 'rerun.completed'],
    ] as const
  ).map(([signal, action], i): Case => ({
    event: {
      signal,
      topic: COURSE_LIFECYCLE_TOPIC,
      id: randomUUID(),
      time: `2024-05-03T00:00:0${i}+00:00`,
      data: { course: { course_key: `course-v1:edX+Run${i}+2024` } },
    },
    key: `course-v1:edX+Run${i}+2024`,
    expected: {
      kind: 'changed',
      courseKey: `course-v1:edX+Run${i}+2024`,
      eventType: `org.openedx.content_authoring.course.${action}.v1`,
      time: new Date(`2024-05-03T00:00:0${i}Z`),
    },
  })),
];

describe('decoding what the real Open edX Kafka producer sends', () => {
  const prefix = uniqueName('decode', '-');
  const topics = [
    CATALOG_INFO_TOPIC,
    XBLOCK_LIFECYCLE_TOPIC,
    COURSE_LIFECYCLE_TOPIC,
    CONTENT_OBJECT_TOPIC,
  ].map((t) => fullTopic(t, prefix));
  const registry = new SchemaRegistryClient({ url: stackVar('EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL') });
  const kafka = new Kafka({
    brokers: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: uniqueName('decode-test', '-') });
  const received: { topic: string; partition: number; message: KafkaMessage }[] = [];

  beforeAll(async () => {
    await producerPython();
    await produce(
      'kafka',
      cases.map((c) => c.event),
      producerEnv(),
    );
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => void received.push({ topic, partition, message }),
    });
    await waitFor(() => received.length >= cases.length, {
      timeoutMs: 60_000,
      what: `${cases.length} messages on ${topics.join(', ')}`,
    });
  });

  afterAll(async () => {
    await consumer.disconnect();
  });

  function receivedFor(id: string) {
    const found = received.find((r) => r.message.headers?.ce_id?.toString() === id);
    if (!found) throw new Error(`no message with ce_id ${id} among ${received.length} received`);
    return found;
  }

  /** The received message with this ce_id, through the decoder as the consumer runs it. */
  function decodeReceived(id: string) {
    const { topic, partition, message } = receivedFor(id);
    return new KafkaEventDecoder(registry, { strict: true }).decode({
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers,
      timestamp: message.timestamp,
    });
  }

  /** Studio's key: a framed Avro string under a schema id of its own; any failure fails the test. */
  async function keyOf(key: Buffer | null): Promise<unknown> {
    const { schemaId, payload } = parseFraming(key, 'key');
    return (await registry.getSchema(schemaId)).type.fromBuffer(payload);
  }

  /** The producer's environment: the stack's broker and registry, this file's topic prefix. */
  const producerEnv = () => ({
    EVENT_BUS_TOPIC_PREFIX: prefix,
    EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS'),
    EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL: stackVar('EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL'),
  });

  it.each(cases.map((c) => [c.event.signal, c] as const))(
    '%s decodes to the expected CourseEvent',
    async (_signal, c) => {
      const { topic, partition, message } = receivedFor(c.event.id);
      const event = await decodeReceived(c.event.id);
      expect(event).toEqual({
        ...c.expected,
        eventId: c.event.id,
        source: 'openedx/cms/web',
        position: { topic, partition, offset: message.offset },
      });
    },
  );

  it('skips a tag change on library content, which belongs to no course', async () => {
    const id = randomUUID();
    await produce(
      'kafka',
      [
        {
          signal: 'CONTENT_OBJECT_ASSOCIATIONS_CHANGED',
          topic: CONTENT_OBJECT_TOPIC,
          id,
          keyField: 'content_object.object_id',
          data: { content_object: { object_id: 'lb:OpenedX:lib1:problem:p1', changes: ['tags'] } },
        },
      ],
      producerEnv(),
    );
    await waitFor(() => received.some((r) => r.message.headers?.ce_id?.toString() === id), {
      timeoutMs: 30_000,
      what: 'the library tag change',
    });
    expect(await decodeReceived(id)).toBeNull();
  });

  it('keys every message with the framed Avro string of Studio’s key field', async () => {
    for (const c of cases) {
      const { message } = receivedFor(c.event.id);
      expect(await keyOf(message.key)).toBe(c.key);
    }
  });

  it('registers key and value under different schema ids, one value schema per event type', () => {
    const ids = (c: Case) => {
      const { message } = receivedFor(c.event.id);
      return { key: parseFraming(message.key).schemaId, value: parseFraming(message.value).schemaId };
    };
    const lifecycle = cases.filter((c) => c.event.topic === XBLOCK_LIFECYCLE_TOPIC).map(ids);
    expect(new Set(lifecycle.map((i) => i.value)).size).toBe(3);
    for (const i of lifecycle) expect(i.key).not.toBe(i.value);
  });

  it('carries the CloudEvents headers edx-event-bus-kafka documents', () => {
    const { message } = receivedFor(cases[0]!.event.id);
    const text = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
    expect(text).toMatchObject({
      ce_type: 'org.openedx.content_authoring.course.catalog_info.changed.v1',
      ce_id: cases[0]!.event.id,
      ce_source: 'openedx/cms/web',
      ce_specversion: '1.0',
      ce_time: '2024-05-01T12:34:56.789012+00:00',
      ce_minorversion: '0',
      'content-type': 'application/avro',
      ce_datacontenttype: 'application/avro',
      sourcelib: '11.2.0',
    });
  });
});
