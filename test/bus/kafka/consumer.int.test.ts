import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Coalescer, type SyncCourse } from '../../../src/bus/coalescer.js';
import { DecodeError } from '../../../src/bus/decode-error.js';
import type { CourseEvent } from '../../../src/domain/events.js';
import { buildDeadLetter, DLQ_HEADERS } from '../../../src/bus/dead-letter.js';
import { KafkaBusConsumer, type DecodeKafkaMessage } from '../../../src/bus/kafka/consumer.js';
import { Alarms } from '../../../src/alarms.js';
import { RetryableError } from '../../../src/errors.js';
import type { KafkaBusConsumerOptions } from '../../../src/bus/kafka/consumer.js';
import { stackVar, uniqueName, waitFor } from '../../support/stack.js';

const DLQ_SUFFIX = '.dlq';

/** Test messages are JSON `{courseKey, eventId}`; anything else is poison. */
const decodeJson: DecodeKafkaMessage = async (message) => {
  try {
    const body = JSON.parse(message.value?.toString('utf8') ?? '') as { courseKey: string; eventId: string };
    return {
      kind: 'changed',
      courseKey: body.courseKey,
      eventId: body.eventId,
      eventType: 'test.changed',
      time: new Date(),
    };
  } catch (err) {
    throw new DecodeError(
      'bad-framing',
      `value of ${message.topic}[${message.partition}]@${message.offset} is not JSON`,
      { cause: err },
    );
  }
};

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const running: KafkaBusConsumer[] = [];

beforeAll(async () => {
  kafka = new Kafka({
    clientId: 'course-sink-test',
    brokers: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop(1_000)));
});

async function freshTopic(partitions = 1, maxMessageBytes?: number): Promise<string> {
  const topic = uniqueName('consumer-test', '-');
  const configEntries =
    maxMessageBytes === undefined ? [] : [{ name: 'max.message.bytes', value: String(maxMessageBytes) }];
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, configEntries }],
    waitForLeaders: true,
  });
  return topic;
}

function json(courseKey: string, eventId: string) {
  return JSON.stringify({ courseKey, eventId });
}

async function startConsumer(
  topic: string,
  groupId: string,
  sync: SyncCourse,
  maxOutstanding?: number,
  overrides: Partial<KafkaBusConsumerOptions> = {},
): Promise<KafkaBusConsumer> {
  const coalescer = new Coalescer({
    run: sync,
    debounceMs: 50,
    concurrency: 2,
    backoff: { initialMs: 50, maxMs: 200, multiplier: 2 },
  });
  const consumer = new KafkaBusConsumer({
    kafka,
    groupId,
    topics: [topic],
    dlqSuffix: DLQ_SUFFIX,
    decode: decodeJson,
    buildDeadLetter,
    coalescer,
    commitIntervalMs: 100,
    maxWaitTimeMs: 200,
    maxOutstanding,
    retryPolicy: { initialMs: 50, maxMs: 200, multiplier: 2 },
    ...overrides,
  });
  running.push(consumer);
  await consumer.start();
  return consumer;
}

async function committed(groupId: string, topic: string): Promise<Record<number, string>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

async function readAll(topic: string, count: number) {
  const reader = kafka.consumer({ groupId: uniqueName('reader', '-'), maxWaitTimeInMs: 200 });
  const got: { value: string; key: string; headers: Record<string, string> }[] = [];
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      got.push({
        value: message.value?.toString('utf8') ?? '',
        key: message.key?.toString('utf8') ?? '',
        headers,
      });
    },
  });
  try {
    await waitFor(() => got.length >= count, { timeoutMs: 30_000, what: `${count} messages on ${topic}` });
  } finally {
    await reader.disconnect();
  }
  return got;
}

describe('KafkaBusConsumer', () => {
  it('waits, not joined, for topics that do not exist yet, and stops cleanly while waiting', async () => {
    const topic = uniqueName('not-yet', '-');
    const coalescer = new Coalescer({ run: async () => undefined, debounceMs: 10, concurrency: 1 });
    const consumer = new KafkaBusConsumer({
      kafka,
      groupId: uniqueName('group', '-'),
      topics: [topic],
      dlqSuffix: DLQ_SUFFIX,
      decode: decodeJson,
      buildDeadLetter,
      coalescer,
    });
    const starting = consumer.start().then(
      () => 'started',
      () => 'aborted',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(consumer.health().joined).toBe(false);
    await consumer.stop(1_000);
    expect(await starting).toMatch(/started|aborted/);
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('joins once a topic it waits for is created', async () => {
    const topic = uniqueName('late', '-');
    const applied: string[] = [];
    const starting = startConsumer(topic, uniqueName('group', '-'), async (_key, events) => {
      applied.push(...events.map((e) => e.eventId));
    });
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await starting;
    await producer.send({ topic, messages: [{ key: 'c', value: json('course-v1:Late+L+1', 'late-1') }] });
    await waitFor(() => applied.includes('late-1'), {
      timeoutMs: 30_000,
      what: 'the event on the late topic',
    });
  });

  it('sends a poison message to the dead-letter topic with its reason and keeps the partition flowing', async () => {
    const topic = await freshTopic();
    const groupId = uniqueName('group', '-');
    await producer.send({
      topic,
      messages: [
        { key: 'k', value: 'not json at all', headers: { ce_id: 'poison-1' } },
        { key: 'course-v1:A+B+C', value: json('course-v1:A+B+C', 'e2') },
      ],
    });
    const synced: string[] = [];
    await startConsumer(topic, groupId, async (_course, events) => {
      synced.push(...events.map((e) => e.eventId));
    });

    await waitFor(async () => (await committed(groupId, topic))[0] === '2', {
      timeoutMs: 30_000,
      what: 'commit past the poison message',
    });
    expect(synced).toEqual(['e2']);
    const [letter] = await readAll(`${topic}${DLQ_SUFFIX}`, 1);
    expect(letter).toMatchObject({
      value: 'not json at all',
      headers: {
        ce_id: 'poison-1',
        [DLQ_HEADERS.reason]: 'bad-framing',
        [DLQ_HEADERS.topic]: topic,
        [DLQ_HEADERS.partition]: '0',
        [DLQ_HEADERS.offset]: '0',
      },
    });
  });

  it('dead-letters a message near the broker limit as its position, headers and a prefix, and moves on', async () => {
    // Both topics take 20,000 bytes: the source message fits, the same bytes plus dead-letter headers do not.
    const topic = await freshTopic(1, 20_000);
    await admin.createTopics({
      topics: [
        { topic: `${topic}${DLQ_SUFFIX}`, configEntries: [{ name: 'max.message.bytes', value: '20000' }] },
      ],
      waitForLeaders: true,
    });
    const groupId = uniqueName('group', '-');
    const huge = 'x'.repeat(19_700);
    await producer.send({
      topic,
      messages: [
        { key: 'k', value: huge, headers: { ce_id: 'huge-1', ce_type: 'test.changed' } },
        { key: 'course-v1:A+B+C', value: json('course-v1:A+B+C', 'after-huge') },
      ],
    });
    const synced: string[] = [];
    await startConsumer(topic, groupId, async (_course, events) => {
      synced.push(...events.map((e) => e.eventId));
    });

    await waitFor(async () => (await committed(groupId, topic))[0] === '2', {
      timeoutMs: 30_000,
      what: 'commit past the oversize message',
    });
    expect(synced).toEqual(['after-huge']);
    const [letter] = await readAll(`${topic}${DLQ_SUFFIX}`, 1);
    expect(letter!.headers).toMatchObject({
      ce_id: 'huge-1',
      [DLQ_HEADERS.reason]: 'bad-framing',
      [DLQ_HEADERS.topic]: topic,
      [DLQ_HEADERS.partition]: '0',
      [DLQ_HEADERS.offset]: '0',
      [DLQ_HEADERS.truncatedFrom]: '19700',
    });
    expect(letter!.key).toBe('k');
    expect(letter!.value.length).toBeGreaterThan(0);
    expect(letter!.value.length).toBeLessThan(19_700);
    expect(huge.startsWith(letter!.value)).toBe(true);
  });

  it('alarms and counts a dead letter the broker keeps refusing, and still stops within its grace', async () => {
    const topic = await freshTopic();
    // Not even the dead-letter headers fit: only an operator can fix this topic.
    await admin.createTopics({
      topics: [
        { topic: `${topic}${DLQ_SUFFIX}`, configEntries: [{ name: 'max.message.bytes', value: '64' }] },
      ],
      waitForLeaders: true,
    });
    const groupId = uniqueName('group', '-');
    await producer.send({ topic, messages: [{ key: 'k', value: 'poison' }] });
    const alarms = new Alarms();
    const failures: string[] = [];
    const consumer = await startConsumer(topic, groupId, async () => undefined, undefined, {
      alarms,
      alarmAfterAttempts: 2,
      observer: {
        eventConsumed: () => undefined,
        decodeFailed: () => undefined,
        deadLettered: () => undefined,
        deadLetterFailed: (dlq) => failures.push(dlq),
      },
    });

    const [alarm] = await waitFor(() => alarms.list().length > 0 && alarms.list(), {
      timeoutMs: 30_000,
      what: 'the dead-letter alarm',
    });
    expect(alarm!.message).toContain(`${topic}${DLQ_SUFFIX}`);
    expect(alarm!.message).toContain(`${topic}[0]@0`);
    expect(failures).toEqual([`${topic}${DLQ_SUFFIX}`]);
    expect(await committed(groupId, topic)).toEqual({ 0: '-1' });
    const started = Date.now();
    await consumer.stop(1_000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('alarms while a decode keeps failing retryably, and clears the alarm once it succeeds', async () => {
    const topic = await freshTopic();
    const groupId = uniqueName('group', '-');
    await producer.send({ topic, messages: [{ key: 'k', value: json('course-v1:A+B+C', 'late') }] });
    const alarms = new Alarms();
    const seen: string[][] = [];
    let failures = 4;
    const synced: string[] = [];
    await startConsumer(
      topic,
      groupId,
      async (_course, events) => void synced.push(...events.map((e) => e.eventId)),
      undefined,
      {
        alarms,
        alarmAfterAttempts: 2,
        decode: async (message) => {
          seen.push(alarms.list().map((a) => a.message));
          if (failures-- > 0) throw new RetryableError('schema registry unreachable');
          return decodeJson(message);
        },
      },
    );
    await waitFor(() => synced.includes('late'), { timeoutMs: 30_000, what: 'the event after the outage' });
    expect(
      seen.some((messages) => messages.some((m) => m.includes(`decoding ${topic}[0]@0 keeps failing`))),
    ).toBe(true);
    expect(alarms.list()).toEqual([]);
  });

  it('parks a course whose sync keeps failing as sync-failed dead letters with its attempts, and commits past it', async () => {
    const topic = await freshTopic();
    const groupId = uniqueName('group', '-');
    await producer.send({
      topic,
      messages: [
        {
          key: 'course-v1:Sick+X+R',
          value: json('course-v1:Sick+X+R', 'sick-1'),
          headers: { ce_id: 'sick-1' },
        },
        { key: 'course-v1:Fine+X+R', value: json('course-v1:Fine+X+R', 'fine-1') },
      ],
    });
    const synced: string[] = [];
    const coalescer = new Coalescer({
      run: async (course, events) => {
        if (course === 'course-v1:Sick+X+R')
          throw new RetryableError('LMS answered 500 for course-v1:Sick+X+R');
        synced.push(...events.map((e) => e.eventId));
      },
      debounceMs: 50,
      concurrency: 2,
      backoff: { initialMs: 20, maxMs: 50, multiplier: 2 },
      budget: { maxAttempts: 3, maxRetryMs: 60_000 },
    });
    await startConsumer(topic, groupId, async () => undefined, undefined, { coalescer });

    await waitFor(async () => (await committed(groupId, topic))[0] === '2', {
      timeoutMs: 30_000,
      what: 'commit past the parked course',
    });
    expect(synced).toEqual(['fine-1']);
    const [letter] = await readAll(`${topic}${DLQ_SUFFIX}`, 1);
    expect(letter!.headers).toMatchObject({
      ce_id: 'sick-1',
      [DLQ_HEADERS.reason]: 'sync-failed',
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.offset]: '0',
    });
    expect(letter!.headers[DLQ_HEADERS.error]).toContain('LMS answered 500 for course-v1:Sick+X+R');
  });

  it('commits nothing before the sync finished, so a restarted consumer applies the message again', async () => {
    const topic = await freshTopic();
    const groupId = uniqueName('group', '-');
    await producer.send({ topic, messages: [{ value: json('course-v1:A+B+C', 'e1') }] });

    const firstRun: CourseEvent[] = [];
    const hangsAfterApplying: SyncCourse = async (_course, events) => {
      firstRun.push(...events);
      await new Promise(() => undefined);
    };
    const first = await startConsumer(topic, groupId, hangsAfterApplying);
    await waitFor(() => firstRun.length === 1, { timeoutMs: 30_000, what: 'the first sync to start' });
    await first.stop(100);
    expect(await committed(groupId, topic)).toEqual({ 0: '-1' });

    const secondRun: CourseEvent[] = [];
    await startConsumer(topic, groupId, async (_course, events) => {
      secondRun.push(...events);
    });
    await waitFor(async () => (await committed(groupId, topic))[0] === '1', {
      timeoutMs: 30_000,
      what: 'the commit after the second sync',
    });
    expect(secondRun.map((e) => [e.eventId, e.position])).toEqual([
      ['e1', { topic, partition: 0, offset: '0' }],
    ]);
  });

  it('retries a sync that fails retryably, committing only once it succeeded', async () => {
    const topic = await freshTopic();
    const groupId = uniqueName('group', '-');
    await producer.send({ topic, messages: [{ value: json('course-v1:A+B+C', 'e1') }] });
    const committedDuringAttempts: Record<number, string>[] = [];
    let attempts = 0;
    await startConsumer(topic, groupId, async () => {
      attempts++;
      committedDuringAttempts.push(await committed(groupId, topic));
      if (attempts <= 2) throw new RetryableError(`LMS unavailable (attempt ${attempts})`);
    });
    await waitFor(async () => (await committed(groupId, topic))[0] === '1', {
      timeoutMs: 30_000,
      what: 'the commit after the retries',
    });
    expect(attempts).toBe(3);
    expect(committedDuringAttempts).toEqual([{ 0: '-1' }, { 0: '-1' }, { 0: '-1' }]);
  });

  it('lets each partition commit as far as its own syncs got', async () => {
    const topic = await freshTopic(2);
    const groupId = uniqueName('group', '-');
    await producer.send({
      topic,
      messages: [
        { partition: 0, value: json('course-v1:Slow+X+R', 's1') },
        { partition: 1, value: json('course-v1:Fast+X+R', 'f1') },
        { partition: 1, value: json('course-v1:Fast+X+R', 'f2') },
      ],
    });
    let releaseSlow!: () => void;
    const slowReleased = new Promise<void>((resolve) => (releaseSlow = resolve));
    const consumer = await startConsumer(topic, groupId, async (course) => {
      if (course === 'course-v1:Slow+X+R') await slowReleased;
    });

    await waitFor(async () => (await committed(groupId, topic))[1] === '2', {
      timeoutMs: 30_000,
      what: 'partition 1 to commit',
    });
    expect((await committed(groupId, topic))[0]).toBe('-1');
    expect(consumer.health()).toMatchObject({ joined: true, outstanding: 1 });
    const lagWhileSlow = await consumer.lag();
    expect(lagWhileSlow).toEqual(
      expect.arrayContaining([
        { topic, partition: 0, committed: null, highWatermark: '1', lag: 1 },
        { topic, partition: 1, committed: '2', highWatermark: '2', lag: 0 },
      ]),
    );

    releaseSlow();
    await waitFor(async () => (await committed(groupId, topic))[0] === '1', {
      timeoutMs: 30_000,
      what: 'partition 0 to commit',
    });
  });

  it('pauses fetching while too many messages await their sync, and resumes once they are done', async () => {
    const topic = await freshTopic();
    const groupId = uniqueName('group', '-');
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ value: json(`course-v1:O+C${i}+R`, `e${i}`) })),
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const consumer = await startConsumer(topic, groupId, () => released, 5);

    await waitFor(() => consumer.health().paused, { timeoutMs: 30_000, what: 'the consumer to pause' });
    expect(consumer.health().outstanding).toBe(5);
    release();
    await waitFor(async () => (await committed(groupId, topic))[0] === '20', {
      timeoutMs: 30_000,
      what: 'all 20 to commit',
    });
    expect(consumer.health()).toMatchObject({ paused: false, outstanding: 0 });
  });
});
