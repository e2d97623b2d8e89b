import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: run the tests through vitest's integration project or eval "$(scripts/stack env)"`,
    );
  return value;
}

const bootstrapServers = requiredEnv('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS');
const registryUrl = requiredEnv('EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL');

const writerSchema = {
  type: 'record',
  name: 'StackSmoke',
  namespace: 'org.coursesink.test',
  fields: [
    { name: 'course_key', type: 'string' },
    { name: 'published_at', type: 'long' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

async function registry<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${registryUrl}${path}`, {
    ...init,
    headers: {
      'Content-Type': 'application/vnd.schemaregistry.v1+json',
      Accept: 'application/vnd.schemaregistry.v1+json',
    },
  });
  if (!response.ok)
    throw new Error(
      `schema registry ${init?.method ?? 'GET'} ${path} answered ${response.status}: ${await response.text()}`,
    );
  return (await response.json()) as T;
}

// Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then Avro binary.
function frame(schemaId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}

function unframe(message: Buffer): { schemaId: number; payload: Buffer } {
  expect(message.readUInt8(0)).toBe(0);
  return { schemaId: message.readInt32BE(1), payload: message.subarray(5) };
}

describe('the stack Kafka broker and schema registry', () => {
  // The first produce to a new topic logs a retriable UNKNOWN_TOPIC_OR_PARTITION while auto-creation runs;
  // real failures still surface as rejected promises.
  const kafka = new Kafka({
    clientId: 'stack-smoke',
    brokers: bootstrapServers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const clients: (Producer | Consumer)[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.disconnect()));
  });

  it('registers an Avro schema whose id resolves back to the same schema', async () => {
    const subject = `stack-smoke-${randomUUID()}-value`;
    const { id } = await registry<{ id: number }>(`/subjects/${subject}/versions`, {
      method: 'POST',
      body: JSON.stringify({ schema: JSON.stringify(writerSchema) }),
    });
    expect(Number.isInteger(id)).toBe(true);

    const { schema } = await registry<{ schema: string }>(`/schemas/ids/${id}`);
    expect(JSON.parse(schema)).toEqual(writerSchema);
  });

  it('carries a Confluent-framed Avro record through a fresh topic to a consumer group and decodes it by schema id', async () => {
    const topic = `stack-smoke-${randomUUID()}`;
    const { id } = await registry<{ id: number }>(`/subjects/${topic}-value/versions`, {
      method: 'POST',
      body: JSON.stringify({ schema: JSON.stringify(writerSchema) }),
    });
    const record = {
      course_key: 'course-v1:edX+DemoX+Demo_Course',
      published_at: 1_732_570_000_000,
      tags: ['published', 'smoke'],
      note: 'héllo',
    };
    const sent = frame(id, avro.Type.forSchema(writerSchema as avro.Schema).toBuffer(record));

    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
    });
    clients.push(producer);
    await producer.connect();
    await producer.send({ topic, messages: [{ key: record.course_key, value: sent }] });

    const consumer = kafka.consumer({ groupId: `stack-smoke-${randomUUID()}` });
    clients.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<Buffer>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`no message arrived on ${topic} within 60s`)),
        60_000,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(deadline);
          if (message.value) resolve(message.value);
          else reject(new Error(`message on ${topic} has no value`));
        },
      });
    });

    expect(received.equals(sent)).toBe(true);
    const { schemaId, payload } = unframe(received);
    expect(schemaId).toBe(id);
    const { schema } = await registry<{ schema: string }>(`/schemas/ids/${schemaId}`);
    const decoded: unknown = avro.Type.forSchema(JSON.parse(schema) as avro.Schema).fromBuffer(payload);
    expect(decoded).toEqual(record);
  });
});
