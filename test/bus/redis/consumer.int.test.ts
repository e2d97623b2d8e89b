import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Coalescer, type SyncCourse } from '../../../src/bus/coalescer.js';
import { DecodeError } from '../../../src/bus/decode-error.js';
import type { CourseEvent } from '../../../src/domain/events.js';
import { RedisBusConsumer, type DecodeRedisEntry } from '../../../src/bus/redis/consumer.js';
import { RetryableError } from '../../../src/errors.js';
import { stackVar, uniqueName, waitFor } from '../../support/stack.js';

/** Test entries carry JSON `{courseKey}` in event_data and the event id in `id`, as edx-event-bus-redis names them. */
const decodeJson: DecodeRedisEntry = async (entry) => {
  try {
    const body = JSON.parse(entry.fields.get('event_data')?.toString('utf8') ?? '') as { courseKey: string };
    return {
      kind: 'changed',
      courseKey: body.courseKey,
      eventId: entry.fields.get('id')?.toString() ?? '',
      eventType: 'test.changed',
      time: new Date(),
    };
  } catch (err) {
    throw new DecodeError('schema-mismatch', `event_data of ${entry.stream} ${entry.id} is not JSON`, {
      cause: err,
    });
  }
};

let redis: Redis;
const running: RedisBusConsumer[] = [];

beforeAll(() => {
  redis = new Redis(stackVar('EVENT_BUS_REDIS_URL'));
});
afterAll(() => {
  redis?.disconnect();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop(500)));
});

async function startConsumer(
  stream: string,
  group: string,
  sync: SyncCourse,
  overrides: { consumerName?: string; minIdleMs?: number } = {},
) {
  const consumer = new RedisBusConsumer({
    redis,
    group,
    streams: [stream],
    dlqSuffix: '.dlq',
    decode: decodeJson,
    coalescer: new Coalescer({
      run: sync,
      debounceMs: 20,
      concurrency: 2,
      backoff: { initialMs: 20, maxMs: 100, multiplier: 2 },
    }),
    blockMs: 100,
    claimIntervalMs: 100,
    retryPolicy: { initialMs: 20, maxMs: 100, multiplier: 2 },
    ...overrides,
  });
  running.push(consumer);
  await consumer.start();
  return consumer;
}

async function pendingCount(stream: string, group: string): Promise<number> {
  const [count] = (await redis.xpending(stream, group)) as [number];
  return count;
}

/** Adds an entry as edx-event-bus-redis writes one: its type, id and event data. */
function addEvent(stream: string, id: string, eventData: string | Buffer): Promise<string | null> {
  return redis.xadd(stream, '*', 'type', 'test.changed', 'id', id, 'event_data', eventData);
}

describe('RedisBusConsumer', () => {
  it('reads the backlog written before the group existed and acks each entry once applied', async () => {
    const stream = uniqueName('stream', '-');
    const group = uniqueName('group', '-');
    await addEvent(stream, 'e1', JSON.stringify({ courseKey: 'course-v1:A+B+C' }));
    await addEvent(stream, 'e2', JSON.stringify({ courseKey: 'course-v1:A+B+C' }));
    const synced: string[] = [];
    const consumer = await startConsumer(stream, group, async (_course, events) => {
      synced.push(...events.map((e) => e.eventId));
    });
    await waitFor(() => synced.length === 2, { what: 'both entries synced' });
    await waitFor(async () => (await pendingCount(stream, group)) === 0, { what: 'both entries acked' });
    expect(synced).toEqual(['e1', 'e2']);
    const [lag] = await consumer.lag();
    expect(lag).toMatchObject({ topic: stream, partition: 0, lag: 0 });
  });

  it('moves a poison entry to the dead-letter stream with its original fields and reason, then acks it', async () => {
    const stream = uniqueName('stream', '-');
    const group = uniqueName('group', '-');
    const poisonId = await addEvent(stream, 'bad', Buffer.from([0xff, 0x00, 0x01]));
    await addEvent(stream, 'good', JSON.stringify({ courseKey: 'course-v1:A+B+C' }));
    const synced: string[] = [];
    await startConsumer(stream, group, async (_course, events) => {
      synced.push(...events.map((e) => e.eventId));
    });
    await waitFor(async () => (await pendingCount(stream, group)) === 0 && synced.length === 1, {
      what: 'both entries settled',
    });
    expect(synced).toEqual(['good']);
    const letters = await redis.xrangeBuffer(`${stream}.dlq`, '-', '+');
    expect(letters).toHaveLength(1);
    const fields = letters[0]![1];
    const byName = Object.fromEntries(
      Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i]!.toString(), fields[2 * i + 1]!]),
    );
    expect(byName.event_data).toEqual(Buffer.from([0xff, 0x00, 0x01]));
    expect(byName.id?.toString()).toBe('bad');
    expect(byName.dlq_reason?.toString()).toBe('schema-mismatch');
    expect(byName.dlq_id?.toString()).toBe(poisonId);
  });

  it('leaves an entry pending until its sync succeeds, retrying retryable failures', async () => {
    const stream = uniqueName('stream', '-');
    const group = uniqueName('group', '-');
    await redis.xadd(stream, '*', 'id', 'e1', 'event_data', JSON.stringify({ courseKey: 'course-v1:A+B+C' }));
    const pendingDuringAttempts: number[] = [];
    let attempts = 0;
    await startConsumer(stream, group, async () => {
      attempts++;
      pendingDuringAttempts.push(await pendingCount(stream, group));
      if (attempts <= 2) throw new RetryableError(`ClickHouse unavailable (attempt ${attempts})`);
    });
    await waitFor(async () => attempts === 3 && (await pendingCount(stream, group)) === 0, {
      what: 'ack after the third attempt',
    });
    expect(pendingDuringAttempts).toEqual([1, 1, 1]);
  });

  it('lets another consumer claim and apply an entry whose consumer stopped before finishing it', async () => {
    const stream = uniqueName('stream', '-');
    const group = uniqueName('group', '-');
    await redis.xadd(stream, '*', 'id', 'e1', 'event_data', JSON.stringify({ courseKey: 'course-v1:A+B+C' }));
    const firstRun: CourseEvent[] = [];
    const first = await startConsumer(
      stream,
      group,
      async (_course, events) => {
        firstRun.push(...events);
        await new Promise(() => undefined);
      },
      { consumerName: 'crashing' },
    );
    await waitFor(() => firstRun.length === 1, { what: 'the first sync to start' });
    await first.stop(50);
    expect(await pendingCount(stream, group)).toBe(1);

    const secondRun: string[] = [];
    await startConsumer(
      stream,
      group,
      async (_course, events) => void secondRun.push(...events.map((e) => e.eventId)),
      {
        consumerName: 'rescuer',
        minIdleMs: 200,
      },
    );
    await waitFor(async () => secondRun.length === 1 && (await pendingCount(stream, group)) === 0, {
      what: 'the rescuer to apply and ack',
    });
    expect(secondRun).toEqual(['e1']);
  });

  it('stops within its grace period while a decode is being retried', async () => {
    const stream = uniqueName('stream', '-');
    const group = uniqueName('group', '-');
    await addEvent(stream, 'e1', '{}');
    let attempts = 0;
    const consumer = new RedisBusConsumer({
      redis,
      group,
      streams: [stream],
      dlqSuffix: '.dlq',
      decode: async () => {
        attempts++;
        throw new RetryableError('schema registry unavailable');
      },
      coalescer: new Coalescer({ run: async () => undefined, debounceMs: 20, concurrency: 1 }),
      blockMs: 100,
      retryPolicy: { initialMs: 5_000, maxMs: 5_000, multiplier: 1 },
    });
    await consumer.start();
    await waitFor(() => attempts >= 1, { what: 'the first decode attempt' });
    const started = Date.now();
    await consumer.stop(500);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await pendingCount(stream, group)).toBe(1);
  });
});
