import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRedisEntry } from '../../src/bus/decode.js';
import { CATALOG_INFO_TOPIC, fullTopic, XBLOCK_LIFECYCLE_TOPIC } from '../../src/bus/topics.js';
import { produce, producerPython, type ProducedEvent } from '../peers/openedx-producer/index.js';
import { stackVar, uniqueName } from '../support/stack.js';

/** Entries written by the real edx-event-bus-redis producer decode with our schemas, no registry involved. */
describe('decoding what the real Open edX Redis producer writes', () => {
  const prefix = uniqueName('redis-decode', '-');
  const redis = new Redis(stackVar('EVENT_BUS_REDIS_URL'), { lazyConnect: true });
  const ids = { catalog: randomUUID(), published: randomUUID(), duplicated: randomUUID() };
  const COURSE = 'course-v1:OpenedX+Redis101+2024_T1';
  const usage = (id: string) => `block-v1:OpenedX+Redis101+2024_T1+type@vertical+block@${id}`;
  let produced: ProducedEvent[] = [];

  beforeAll(async () => {
    await producerPython();
    produced = await produce(
      'redis',
      [
        {
          signal: 'COURSE_CATALOG_INFO_CHANGED',
          topic: CATALOG_INFO_TOPIC,
          id: ids.catalog,
          time: '2024-06-01T09:30:00.123456+00:00',
          data: {
            catalog_info: {
              course_key: COURSE,
              name: 'Redis 101',
              schedule_data: {
                start: '2024-01-01T00:00:00+00:00',
                pacing: 'instructor',
                end: null,
                enrollment_start: null,
                enrollment_end: '2024-12-31T00:00:00+00:00',
              },
              hidden: false,
              invitation_only: true,
            },
          },
        },
        {
          signal: 'XBLOCK_PUBLISHED',
          topic: XBLOCK_LIFECYCLE_TOPIC,
          id: ids.published,
          time: '2024-06-01T09:31:00+00:00',
          data: { xblock_info: { usage_key: usage('u1'), block_type: 'vertical' } },
        },
        {
          signal: 'XBLOCK_DUPLICATED',
          topic: XBLOCK_LIFECYCLE_TOPIC,
          id: ids.duplicated,
          time: '2024-06-01T09:32:00+00:00',
          data: {
            xblock_info: {
              usage_key: usage('u2'),
              block_type: 'vertical',
              version: usage('u2'),
              source_usage_key: usage('u1'),
            },
          },
        },
      ],
      { EVENT_BUS_TOPIC_PREFIX: prefix, EVENT_BUS_REDIS_URL: stackVar('EVENT_BUS_REDIS_URL') },
    );
    await redis.connect();
  });

  afterAll(async () => {
    await redis.del(fullTopic(CATALOG_INFO_TOPIC, prefix), fullTopic(XBLOCK_LIFECYCLE_TOPIC, prefix));
    redis.disconnect();
  });

  async function entries(stream: string) {
    const raw = await redis.xrangeBuffer(stream, '-', '+');
    return raw.map(([id, fields]) => ({ stream, id: id.toString(), fields }));
  }

  it('reports the streams it wrote to, prefixed like Kafka topics', () => {
    expect(produced.map((p) => p.topic)).toEqual([
      `${prefix}-course-catalog-info-changed`,
      `${prefix}-course-authoring-xblock-lifecycle`,
      `${prefix}-course-authoring-xblock-lifecycle`,
    ]);
  });

  it('catalog_info.changed decodes to CourseChanged with its catalog info', async () => {
    const [entry] = await entries(fullTopic(CATALOG_INFO_TOPIC, prefix));
    expect(decodeRedisEntry(entry!, { strict: true })).toEqual({
      kind: 'changed',
      courseKey: COURSE,
      eventId: ids.catalog,
      eventType: 'org.openedx.content_authoring.course.catalog_info.changed.v1',
      time: new Date('2024-06-01T09:30:00.123Z'),
      source: 'openedx/cms/web',
      position: { topic: `${prefix}-course-catalog-info-changed`, partition: 0, offset: entry!.id },
      catalogInfo: {
        courseKey: COURSE,
        name: 'Redis 101',
        schedule: {
          start: '2024-01-01T00:00:00+00:00',
          pacing: 'instructor',
          end: null,
          enrollmentStart: null,
          enrollmentEnd: '2024-12-31T00:00:00+00:00',
        },
        hidden: false,
        invitationOnly: true,
      },
    });
  });

  it('xblock lifecycle entries decode to CourseChanged of the block’s course, in stream order', async () => {
    const decoded = (await entries(fullTopic(XBLOCK_LIFECYCLE_TOPIC, prefix))).map((e) =>
      decodeRedisEntry(e, { strict: true }),
    );
    expect(decoded).toMatchObject([
      {
        kind: 'changed',
        courseKey: COURSE,
        usageKey: usage('u1'),
        eventId: ids.published,
        time: new Date('2024-06-01T09:31:00Z'),
      },
      {
        kind: 'changed',
        courseKey: COURSE,
        usageKey: usage('u2'),
        eventId: ids.duplicated,
        time: new Date('2024-06-01T09:32:00Z'),
      },
    ]);
  });

  it('writes exactly the fields edx-event-bus-redis documents', async () => {
    const [entry] = await entries(fullTopic(CATALOG_INFO_TOPIC, prefix));
    const names = entry!.fields.filter((_v, i) => i % 2 === 0).map(String);
    expect(names.sort()).toEqual([
      'event_data',
      'id',
      'minorversion',
      'source',
      'sourcehost',
      'sourcelib',
      'time',
      'type',
    ]);
  });
});
