import avro from 'avsc';
import { KafkaEventDecoder } from '../../src/bus/decode.js';
import type { ReceivedMessage } from '../../src/bus/message.js';
import { frame } from '../../src/bus/framing.js';
import type { RegisteredSchema, SchemaSource } from '../../src/bus/schema-registry.js';
import { loadSchema } from '../../src/bus/signals.js';
import type { BenchCase } from '../case.js';

const NS = 'org.openedx.content_authoring';
const PUBLISHED = `${NS}.xblock.published.v1`;
const CATALOG = `${NS}.course.catalog_info.changed.v1`;
const CREATED = `${NS}.course.created.v1`;
const MESSAGES = 10_000;

/** Schemas by id, as a registry would serve them once cached: the decoder's steady state. */
export class InMemoryRegistry implements SchemaSource {
  private readonly schemas = new Map<number, RegisteredSchema>();
  add(id: number, eventType: string): avro.Type {
    const schema = loadSchema(eventType);
    const type = avro.Type.forSchema(schema);
    this.schemas.set(id, { id, schema, type });
    return type;
  }
  async getSchema(id: number): Promise<RegisteredSchema> {
    const found = this.schemas.get(id);
    if (!found) throw new Error(`schema id ${id} is not in the benchmark registry`);
    return found;
  }
}

function headers(eventType: string, i: number): Record<string, Buffer> {
  return {
    ce_type: Buffer.from(eventType),
    ce_id: Buffer.from(`5d3e6a10-0f5f-11ef-8b7a-${String(i).padStart(12, '0')}`),
    ce_source: Buffer.from('openedx/cms/web'),
    ce_specversion: Buffer.from('1.0'),
    ce_time: Buffer.from('2024-05-01T12:34:56.789012+00:00'),
    ce_minorversion: Buffer.from('0'),
    sourcehost: Buffer.from('studio'),
    sourcelib: Buffer.from('11.2.0'),
  };
}

/** 10k messages across 100 courses: mostly block publishes, with catalog changes and course creations mixed in. */
export function benchMessages(registry: InMemoryRegistry): ReceivedMessage[] {
  const published = registry.add(1, PUBLISHED);
  const catalog = registry.add(2, CATALOG);
  const created = registry.add(3, CREATED);
  const key = avro.Type.forSchema('string');
  return Array.from({ length: MESSAGES }, (_, i) => {
    const course = `course-v1:BenchX+C${i % 100}+2024`;
    const usage = `block-v1:BenchX+C${i % 100}+2024+type@vertical+block@u${i}`;
    const [eventType, value] =
      i % 10 === 0
        ? [CATALOG, frame(2, catalog.toBuffer(catalogInfo(course)))]
        : i % 10 === 5
          ? [CREATED, frame(3, created.toBuffer({ course: { course_key: course } }))]
          : [
              PUBLISHED,
              frame(
                1,
                published.toBuffer({
                  xblock_info: { usage_key: usage, block_type: 'vertical', version: null },
                }),
              ),
            ];
    return {
      topic: 'bench-course-authoring',
      partition: i % 3,
      offset: String(i),
      key: frame(99, key.toBuffer(course)),
      value,
      headers: headers(eventType, i),
      timestamp: '1714566896000',
    };
  });
}

function catalogInfo(course: string) {
  return {
    catalog_info: {
      course_key: course,
      name: 'Benchmark Course',
      schedule_data: {
        start: '2024-01-01T00:00:00+00:00',
        pacing: 'instructor',
        end: null,
        enrollment_start: null,
        enrollment_end: null,
      },
      hidden: false,
      invitation_only: false,
    },
  };
}

export const decodeCase: BenchCase = {
  name: 'bus.decode.10k',
  description: 'KafkaEventDecoder.decode of 10k Confluent-framed Avro messages (3 signals, cached schemas)',
  report: 'rate',
  warmup: 2,
  iterations: 10,
  async setup() {
    const registry = new InMemoryRegistry();
    const batch = benchMessages(registry);
    const decoder = new KafkaEventDecoder(registry, { strict: true });
    let decoded = 0;
    return {
      work: { count: batch.length, unit: 'msgs' },
      async run() {
        decoded = 0;
        for (const message of batch) if (await decoder.decode(message)) decoded++;
      },
      note: () => `${decoded} events per run`,
    };
  },
};
