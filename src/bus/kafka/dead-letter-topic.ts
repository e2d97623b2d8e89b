import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { parseDeadLetter, type ParsedDeadLetter } from '../dead-letter.js';

/**
 * The operator's side of dead letters (`dlq list`, `dlq replay`): reads a dead-letter topic back and
 * produces originals to their source topics, without ever touching the service's own consumer group.
 */

export interface DeadLetterEntry {
  /** Where the dead letter itself sits, so an operator can point at it. */
  topic: string;
  partition: number;
  offset: string;
  /** The dead letter parsed; undefined when the message was not written by course-sink. */
  letter?: ParsedDeadLetter;
  problem?: string;
}

/**
 * Reads a dead-letter topic from its start to its current end with a throwaway consumer group (deleted
 * afterwards), so listing or replaying never moves the offsets of the service's own group.
 */
export async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  timeoutMs = 60_000,
): Promise<DeadLetterEntry[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return [];
    const ends = new Map<number, bigint>();
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
    if (ends.size === 0) return [];

    const groupId = `course-sink-dlq-reader-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    const entries: DeadLetterEntry[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms; is the broker healthy?`)),
          timeoutMs,
        );
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const end = ends.get(partition);
              if (end === undefined || BigInt(message.offset) >= end) return;
              const entry: DeadLetterEntry = { topic, partition, offset: message.offset };
              try {
                entry.letter = parseDeadLetter({
                  key: message.key,
                  value: message.value,
                  headers: message.headers,
                });
              } catch (err) {
                entry.problem = err instanceof Error ? err.message : String(err);
              }
              entries.push(entry);
              if (BigInt(message.offset) + 1n >= end) ends.delete(partition);
              if (ends.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return entries.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  } finally {
    await admin.disconnect();
  }
}

/** Produces each dead letter's original message back to its source topic, key and headers intact. */
export async function replayDeadLetters(kafka: Kafka, letters: readonly ParsedDeadLetter[]): Promise<number> {
  if (letters.length === 0) return 0;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const letter of letters) {
      await producer.send({
        topic: letter.original.topic,
        acks: -1,
        messages: [
          { key: letter.original.key, value: letter.original.value, headers: letter.original.headers },
        ],
      });
    }
    return letters.length;
  } finally {
    await producer.disconnect();
  }
}
