import type avro from 'avsc';
import { KafkaEventDecoder } from '../../src/bus/decode.js';
import { benchMessages, InMemoryRegistry } from '../cases/decode.js';
import type { ComparisonCase } from '../comparison.js';
import { timePairs } from '../paired.js';

/** Confluent framing: magic byte 0, then the schema id as a big-endian int32, then the Avro body. */
const FRAME_HEADER_BYTES = 5;

/**
 * KafkaEventDecoder.decode over the 10k framed messages of bus.decode.10k (headers, framing, registry
 * lookup, schema resolution, mapping to a CourseEvent) vs avsc's `fromBuffer` of the same Avro bodies with
 * their writer types: the decoding that cannot be avoided.
 */
export const decodeThroughputCase: ComparisonCase = {
  name: 'bus.decode-throughput',
  description:
    'KafkaEventDecoder.decode of 10k Confluent-framed Avro events vs raw avsc type.fromBuffer of the same payloads',
  target: { kind: 'figure-at-least', limit: 50_000 },
  async measure() {
    const registry = new InMemoryRegistry();
    const batch = benchMessages(registry);
    const decoder = new KafkaEventDecoder(registry, { strict: true });
    const writers = new Map<number, avro.Type>();
    const payloads = await Promise.all(
      batch.map(async ({ value }) => {
        if (!value) throw new Error('a benchmark message has no value');
        const id = value.readInt32BE(1);
        if (!writers.has(id)) writers.set(id, (await registry.getSchema(id)).type);
        return { type: writers.get(id)!, body: value.subarray(FRAME_HEADER_BYTES) };
      }),
    );
    let decoded = 0;
    let raw = 0;
    const times = await timePairs({
      warmup: 3,
      iterations: 11,
      async figure() {
        decoded = 0;
        for (const message of batch) if (await decoder.decode(message)) decoded++;
      },
      async baseline() {
        raw = 0;
        for (const { type, body } of payloads) if (type.fromBuffer(body)) raw++;
      },
    });
    if (decoded !== batch.length || raw !== batch.length)
      throw new Error(`decoded ${decoded} events and ${raw} raw records of ${batch.length} messages`);
    const rate = (ms: number) => batch.length / (ms / 1000);
    return {
      name: this.name,
      figure: {
        value: rate(times.figureMedianMs),
        unit: 'events/s',
        samples: times.figureMs.map(rate),
      },
      baseline: {
        value: rate(times.baselineMedianMs),
        unit: 'events/s',
        samples: times.baselineMs.map(rate),
      },
      ratio: times.figureMedianMs / times.baselineMedianMs,
      details: { messages: batch.length, figureMs: times.figureMs, baselineMs: times.baselineMs },
      note: `${batch.length.toLocaleString('en-US')} messages per run, 3 signals, schemas cached`,
    };
  },
};
