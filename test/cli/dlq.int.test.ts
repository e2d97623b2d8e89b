import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { buildDeadLetter } from '../../src/bus/dead-letter.js';
import { DecodeError } from '../../src/bus/decode-error.js';
import { fullTopic, XBLOCK_LIFECYCLE_TOPIC } from '../../src/bus/topics.js';
import { stackVar, uniqueName, waitFor } from '../support/stack.js';

/** `course-sink dlq list|replay` against the real broker. */

const prefix = uniqueName('dlq-cli', '-');
const source = fullTopic(XBLOCK_LIFECYCLE_TOPIC, prefix);

let kafka: Kafka;
let admin: Admin;

const cli = (args: string[]) =>
  runCli(args, {
    LOG_LEVEL: 'warn',
    EVENT_BUS_TOPIC_PREFIX: prefix,
    EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS'),
  });

beforeAll(async () => {
  kafka = new Kafka({
    brokers: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: source }, { topic: `${source}.dlq` }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const letters = [1, 2].map((i) =>
    buildDeadLetter(
      {
        key: Buffer.from(`key-${i}`),
        value: Buffer.from([0, 0, 0, 0, 99, i]),
        headers: { ce_type: 'org.openedx.content_authoring.xblock.published.v1', ce_id: `id-${i}` },
        topic: source,
        partition: 0,
        offset: String(40 + i),
      },
      i === 1 ? 'unknown-schema-id' : 'bad-framing',
      new DecodeError(i === 1 ? 'unknown-schema-id' : 'bad-framing', `poison ${i}`),
      new Date(Date.UTC(2026, 0, i)),
    ),
  );
  await producer.send({ topic: `${source}.dlq`, messages: letters });
  await producer.disconnect();
});

afterAll(async () => {
  await admin?.disconnect();
});

describe('course-sink dlq', () => {
  it('lists dead letters with their reason, source position and event', async () => {
    const run = await cli(['dlq', 'list', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; source: { offset: string }; event_id: string });
    expect(lines.map((l) => [l.reason, l.source.offset, l.event_id])).toEqual([
      ['unknown-schema-id', '41', 'id-1'],
      ['bad-framing', '42', 'id-2'],
    ]);
  }, 60_000);

  it('replays only the dead letters the filters select, back to their source topic', async () => {
    const run = await cli(['dlq', 'replay', '--reason', 'bad-framing']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('replayed 1 dead letter(s)');
    const offsets = await waitFor(
      async () => {
        const o = await admin.fetchTopicOffsets(source);
        return o.reduce((n, p) => n + Number(p.high), 0) === 1 ? o : undefined;
      },
      { timeoutMs: 10_000, what: 'the replayed message on the source topic' },
    );
    expect(offsets).toHaveLength(1);

    const consumer = kafka.consumer({ groupId: uniqueName('dlq-check', '-') });
    await consumer.connect();
    await consumer.subscribe({ topic: source, fromBeginning: true });
    const seen: Array<{ key: string; value: number[]; ceId: string }> = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          key: message.key!.toString(),
          value: [...message.value!],
          ceId: String(message.headers?.ce_id),
        });
      },
    });
    await waitFor(() => seen.length === 1, { timeoutMs: 30_000, what: 'the replayed message' });
    await consumer.disconnect();
    expect(seen).toEqual([{ key: 'key-2', value: [0, 0, 0, 0, 99, 2], ceId: 'id-2' }]);
  }, 90_000);

  it('says what is missing when the bus is not configured', async () => {
    const run = await runCli(['dlq', 'list']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS');
  }, 30_000);
});
