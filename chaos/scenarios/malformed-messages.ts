import { readMaxMessageBytes } from '../../src/bus/kafka/limits.js';
import { XBLOCK_LIFECYCLE_TOPIC } from '../../src/bus/topics.js';
import { waitFor } from '../../test/support/stack.js';
import { ChaosWorld, type Scenario } from '../support.js';

/**
 * Every class of malformed message, fuzzed and interleaved with real events from Studio's producer:
 * each one is dead-lettered (or, for an event type course-sink does not consume, skipped) and every
 * course still syncs; nothing holds its partition.
 */
export const scenario: Scenario = {
  name: 'malformed-messages',
  async run() {
    const world = await ChaosWorld.create({ courses: 6, partitions: 3 });
    try {
      await world.startConsumer();
      const keys = world.courses.map((c) => c.courseKey);
      await world.publish(keys);

      // Real bytes to mutate: one event as the producer framed it, with its headers.
      const reader = world.kafka.consumer({ groupId: `${world.group}-sample`, maxWaitTimeInMs: 200 });
      let sample: { key: Buffer | null; value: Buffer; headers: Record<string, string> } | undefined;
      await reader.connect();
      await reader.subscribe({ topic: world.topic(XBLOCK_LIFECYCLE_TOPIC), fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          sample ??= {
            key: message.key,
            value: message.value!,
            headers: Object.fromEntries(
              Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
            ),
          };
        },
      });
      const real = await waitFor(() => sample, { timeoutMs: 30_000, what: 'a sample event' });
      await reader.disconnect();
      await world.admin.deleteGroups([`${world.group}-sample`]).catch(() => undefined);

      const limit = await readMaxMessageBytes(world.admin, world.topic(XBLOCK_LIFECYCLE_TOPIC));
      const random = (n: number) =>
        Buffer.from(Array.from({ length: n }, () => Math.floor(Math.random() * 256)));
      const framed = (schemaId: number, payload: Buffer) => {
        const head = Buffer.alloc(5);
        head.writeUInt32BE(schemaId, 1);
        return Buffer.concat([head, payload]);
      };
      const withoutType = Object.fromEntries(Object.entries(real.headers).filter(([k]) => k !== 'ce_type'));
      const poison: { value: Buffer | null; headers?: Record<string, string>; key?: Buffer | null }[] = [];
      for (let i = 0; i < 3; i++) {
        poison.push({ value: random(1 + (i % 4)), headers: real.headers }); // bad framing: shorter than a header
        poison.push({
          value: Buffer.concat([Buffer.from([1 + i]), real.value.subarray(1)]),
          headers: real.headers,
        }); // wrong magic byte
        poison.push({ value: framed(900_000 + i, real.value.subarray(5)), headers: real.headers }); // unknown schema id
        poison.push({
          value: real.value.subarray(0, 5 + Math.floor((real.value.length - 5) / (2 + i))),
          headers: real.headers,
        }); // truncated Avro
        poison.push({ value: real.value, headers: withoutType }); // missing ce_type header
        poison.push({ value: null, headers: real.headers }); // no value at all
      }
      // Near the broker's limit: accepted on the source topic, too large to dead-letter whole.
      poison.push({
        value: framed(real.value.readUInt32BE(1), random(limit - 4_096)),
        headers: real.headers,
        key: real.key,
      });
      const skippedTypes = 4;
      const otherType = { ...real.headers, ce_type: 'org.openedx.learning.some.other.event.v1' };
      const skipped = Array.from({ length: skippedTypes }, () => ({ value: real.value, headers: otherType }));

      for (const message of [...poison, ...skipped]) await world.sendRaw(XBLOCK_LIFECYCLE_TOPIC, [message]);
      // And the courses again, behind the poison on every partition.
      await world.publish(keys);

      const drainedMs = await world.drained(120_000);
      const deadLettered = await world.deadLettered();
      const audit = await world.audit();
      const lostPoison = Math.max(0, poison.length - deadLettered);
      return {
        sent: world.sent,
        deadLettered,
        skipped: skippedTypes,
        ...audit,
        lost: audit.lost + lostPoison,
        drainedMs,
      };
    } finally {
      await world.close();
    }
  },
};
