import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { stackVar, uniqueName } from '../support/stack.js';

const redisUrl = stackVar('EVENT_BUS_REDIS_URL');

// Every byte value, including ones that are not valid UTF-8 on their own (Avro payloads are arbitrary bytes).
const binaryPayload = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

describe('local stack Redis', () => {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const stream = uniqueName('smoke-stream');

  afterAll(async () => {
    await redis.del(stream);
    await redis.quit();
  });

  it('delivers a binary stream field byte-exact through a consumer group', async () => {
    await redis.xgroup('CREATE', stream, 'course-sink', '$', 'MKSTREAM');
    const id = await redis.xadd(stream, '*', 'event_data', binaryPayload, 'event_type', 'course_published');

    // ioredis 5 has no typed xreadgroupBuffer; callBuffer is its typed way to get every reply part as raw bytes.
    type Entry = [id: Buffer, fields: Buffer[]];
    const reply = (await redis.callBuffer(
      'XREADGROUP',
      'GROUP',
      'course-sink',
      'worker-1',
      'COUNT',
      10,
      'STREAMS',
      stream,
      '>',
    )) as [name: Buffer, entries: Entry[]][] | null;

    expect(reply).toHaveLength(1);
    const [streamName, entries] = reply![0]!;
    expect(streamName.toString()).toBe(stream);
    expect(entries).toHaveLength(1);
    const [entryId, fields] = entries[0]!;
    expect(entryId.toString()).toBe(id);
    expect(fields).toHaveLength(4);
    expect(fields[0]!.toString()).toBe('event_data');
    expect(fields[1]!.equals(binaryPayload)).toBe(true);
    expect(fields.slice(2).map((field) => field.toString())).toEqual(['event_type', 'course_published']);
    expect(await redis.xack(stream, 'course-sink', entryId)).toBe(1);
  });

  it('mangles binary fields read with the string variant, which is why consumers use the Buffer variant', async () => {
    await redis.xadd(stream, '*', 'event_data', binaryPayload);
    const asStrings = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
    const asBuffers = await redis.xrevrangeBuffer(stream, '+', '-', 'COUNT', 1);
    expect(Buffer.from(asStrings[0]![1][1]!, 'utf8').equals(binaryPayload)).toBe(false);
    expect(asBuffers[0]![1][1]!.equals(binaryPayload)).toBe(true);
  });

  it('refuses commands without the password and rejects a wrong one', async () => {
    const url = new URL(redisUrl);
    url.password = '';
    const intruder = new Redis(url.toString(), {
      lazyConnect: true,
      // The ready check would fail on NOAUTH and close the connection before the test can ask anything.
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await intruder.connect();
      await expect(intruder.ping()).rejects.toThrow(/NOAUTH/);
      await expect(intruder.auth('not-the-password')).rejects.toThrow(/WRONGPASS/);
    } finally {
      intruder.disconnect();
    }
  });
});
