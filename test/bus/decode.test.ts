import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bus/decode-error.js';
import { decodeRedisEntry, KafkaEventDecoder } from '../../src/bus/decode.js';
import { frame } from '../../src/bus/framing.js';
import type { KafkaHeaders } from '../../src/bus/headers.js';
import type { ReceivedMessage } from '../../src/bus/message.js';
import type { RegisteredSchema, SchemaSource } from '../../src/bus/schema-registry.js';
import { loadSchema, SIGNALS, type SignalSpec } from '../../src/bus/signals.js';
import { RetryableError } from '../../src/errors.js';

const ns = 'org.openedx.content_authoring';
const CATALOG = `${ns}.course.catalog_info.changed.v1`;
const PUBLISHED = `${ns}.xblock.published.v1`;
const DELETED = `${ns}.xblock.deleted.v1`;
const DUPLICATED = `${ns}.xblock.duplicated.v1`;
const ID = '5d3e6a10-0f5f-11ef-8b7a-0242ac120002';
const TIME = '2024-05-01T12:34:56.789012+00:00';
const COURSE = 'course-v1:edX+DemoX+Demo_Course';
const USAGE = 'block-v1:edX+DemoX+Demo_Course+type@vertical+block@vertical_0270f6de40fc';

/** A registry backed by a map, counting look-ups so tests can see caching. */
class FakeRegistry implements SchemaSource {
  lookups = 0;
  private readonly schemas = new Map<number, RegisteredSchema>();
  add(id: number, schema: avro.Schema): avro.Type {
    const type = avro.Type.forSchema(schema);
    this.schemas.set(id, { id, schema, type });
    return type;
  }
  async getSchema(id: number): Promise<RegisteredSchema> {
    this.lookups++;
    const found = this.schemas.get(id);
    if (!found) throw new DecodeError('unknown-schema-id', `schema id ${id} is not in the registry`);
    return found;
  }
}

function headers(eventType: string, extra: KafkaHeaders = {}): KafkaHeaders {
  return {
    ce_type: Buffer.from(eventType),
    ce_id: Buffer.from(ID),
    ce_source: Buffer.from('openedx/cms/web'),
    ce_specversion: Buffer.from('1.0'),
    ce_time: Buffer.from(TIME),
    ce_minorversion: Buffer.from('0'),
    sourcehost: Buffer.from('studio'),
    sourcelib: Buffer.from('11.2.0'),
    ...extra,
  };
}

function message(
  eventType: string,
  schemaId: number,
  writer: avro.Type,
  data: unknown,
  extra: Partial<ReceivedMessage> = {},
): ReceivedMessage {
  return {
    topic: 'dev-course-authoring-xblock-lifecycle',
    partition: 2,
    offset: '41',
    key: frame(99, avro.Type.forSchema('string').toBuffer(COURSE)),
    value: frame(schemaId, writer.toBuffer(data)),
    headers: headers(eventType),
    timestamp: '1714566896000',
    ...extra,
  };
}

const catalogData = {
  catalog_info: {
    course_key: COURSE,
    name: 'Demonstration Course',
    schedule_data: {
      start: '2013-02-05T05:00:00+00:00',
      pacing: 'instructor',
      end: null,
      enrollment_start: '2013-01-01T00:00:00+00:00',
      enrollment_end: null,
    },
    hidden: false,
    invitation_only: true,
  },
};

async function decodeError(promise: Promise<unknown>): Promise<DecodeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DecodeError);
  return err as DecodeError;
}

describe('decoding Kafka messages', () => {
  it('maps catalog_info.changed to CourseChanged with the catalog info, field by field', async () => {
    const registry = new FakeRegistry();
    const writer = registry.add(7, loadSchema(CATALOG));
    const event = await new KafkaEventDecoder(registry).decode(
      message(CATALOG, 7, writer, catalogData, { topic: 'dev-course-catalog-info-changed' }),
    );
    expect(event).toEqual({
      kind: 'changed',
      courseKey: COURSE,
      eventId: ID,
      eventType: CATALOG,
      time: new Date('2024-05-01T12:34:56.789Z'),
      source: 'openedx/cms/web',
      position: { topic: 'dev-course-catalog-info-changed', partition: 2, offset: '41' },
      catalogInfo: {
        courseKey: COURSE,
        name: 'Demonstration Course',
        schedule: {
          start: '2013-02-05T05:00:00+00:00',
          pacing: 'instructor',
          end: null,
          enrollmentStart: '2013-01-01T00:00:00+00:00',
          enrollmentEnd: null,
        },
        hidden: false,
        invitationOnly: true,
      },
    });
  });

  it.each([PUBLISHED, DELETED])('maps %s to CourseChanged of the block’s course', async (eventType) => {
    const registry = new FakeRegistry();
    const writer = registry.add(3, loadSchema(eventType));
    const event = await new KafkaEventDecoder(registry).decode(
      message(eventType, 3, writer, {
        xblock_info: { usage_key: USAGE, block_type: 'vertical', version: null },
      }),
    );
    expect(event).toMatchObject({ kind: 'changed', courseKey: COURSE, usageKey: USAGE, eventType });
  });

  it('maps xblock.duplicated to CourseChanged of the duplicate’s course', async () => {
    const registry = new FakeRegistry();
    const writer = registry.add(4, loadSchema(DUPLICATED));
    const data = {
      xblock_info: {
        usage_key: USAGE,
        block_type: 'vertical',
        version: null,
        source_usage_key: USAGE.replace('0270f6de40fc', 'a'),
      },
    };
    expect(await new KafkaEventDecoder(registry).decode(message(DUPLICATED, 4, writer, data))).toMatchObject({
      kind: 'changed',
      courseKey: COURSE,
      usageKey: USAGE,
    });
  });

  it.each([`${ns}.course.created.v1`, `${ns}.course.import.completed.v1`, `${ns}.course.rerun.completed.v1`])(
    'maps %s to CourseChanged',
    async (eventType) => {
      const registry = new FakeRegistry();
      const writer = registry.add(5, loadSchema(eventType));
      const event = await new KafkaEventDecoder(registry).decode(
        message(eventType, 5, writer, { course: { course_key: COURSE } }),
      );
      expect(event).toMatchObject({ kind: 'changed', courseKey: COURSE, eventType });
      expect(event).not.toHaveProperty('catalogInfo');
    },
  );

  it('derives the course key without branch or version from a usage key that has them', async () => {
    const registry = new FakeRegistry();
    const writer = registry.add(3, loadSchema(PUBLISHED));
    const usage =
      'block-v1:edX+DemoX+Demo_Course+branch@published-branch+type@sequential+block@basic_questions';
    const event = await new KafkaEventDecoder(registry).decode(
      message(PUBLISHED, 3, writer, {
        xblock_info: { usage_key: usage, block_type: 'sequential', version: null },
      }),
    );
    expect(event?.courseKey).toBe(COURSE);
  });

  it('keeps deprecated Org/Course/Run course keys as they are', async () => {
    const registry = new FakeRegistry();
    const writer = registry.add(5, loadSchema(`${ns}.course.created.v1`));
    const event = await new KafkaEventDecoder(registry).decode(
      message(`${ns}.course.created.v1`, 5, writer, { course: { course_key: 'edX/DemoX/Demo_Course' } }),
    );
    expect(event?.courseKey).toBe('edX/DemoX/Demo_Course');
  });

  it('decodes a newer writer schema with an extra optional field through the resolver', async () => {
    const newer = structuredClone(loadSchema(PUBLISHED)) as { fields: { type: { fields: unknown[] } }[] };
    newer.fields[0]!.type.fields.push({ name: 'display_name', type: ['null', 'string'], default: null });
    const registry = new FakeRegistry();
    const writer = registry.add(11, newer as unknown as avro.Schema);
    const data = {
      xblock_info: { usage_key: USAGE, block_type: 'vertical', version: 'x', display_name: 'Unit 1' },
    };
    const event = await new KafkaEventDecoder(registry).decode(message(PUBLISHED, 11, writer, data));
    expect(event).toMatchObject({ courseKey: COURSE, usageKey: USAGE });
  });

  it('decodes an older writer schema without XBlockData.version', async () => {
    const older = structuredClone(loadSchema(PUBLISHED)) as {
      fields: { type: { fields: { name: string }[] } }[];
    };
    older.fields[0]!.type.fields = older.fields[0]!.type.fields.filter((f) => f.name !== 'version');
    const registry = new FakeRegistry();
    const writer = registry.add(12, older as unknown as avro.Schema);
    const event = await new KafkaEventDecoder(registry).decode(
      message(PUBLISHED, 12, writer, { xblock_info: { usage_key: USAGE, block_type: 'vertical' } }),
    );
    expect(event?.courseKey).toBe(COURSE);
  });

  it('rejects a writer schema of another record as schema-mismatch', async () => {
    const registry = new FakeRegistry();
    const writer = registry.add(8, loadSchema(DELETED));
    const err = await decodeError(
      new KafkaEventDecoder(registry).decode(
        message(PUBLISHED, 8, writer, {
          xblock_info: { usage_key: USAGE, block_type: 'vertical', version: null },
        }),
      ),
    );
    expect(err.reason).toBe('schema-mismatch');
    expect(err.message).toContain('dev-course-authoring-xblock-lifecycle[2]@41');
  });

  it('rejects a writer schema whose fields cannot be read as ours as schema-mismatch', async () => {
    const wrong = structuredClone(loadSchema(PUBLISHED)) as {
      fields: { type: { fields: { name: string; type: unknown }[] } }[];
    };
    wrong.fields[0]!.type.fields[0]!.type = 'long';
    const registry = new FakeRegistry();
    const writer = registry.add(9, wrong as unknown as avro.Schema);
    const err = await decodeError(
      new KafkaEventDecoder(registry).decode(
        message(PUBLISHED, 9, writer, {
          xblock_info: { usage_key: 5, block_type: 'vertical', version: null },
        }),
      ),
    );
    expect(err.reason).toBe('schema-mismatch');
  });

  it('rejects a body that does not match its own writer schema as schema-mismatch', async () => {
    const registry = new FakeRegistry();
    registry.add(3, loadSchema(PUBLISHED));
    const err = await decodeError(
      new KafkaEventDecoder(registry).decode({
        ...message(PUBLISHED, 3, avro.Type.forSchema('string'), 'x'),
        value: frame(3, Buffer.from([0x7f])),
      }),
    );
    expect(err.reason).toBe('schema-mismatch');
  });

  it('rejects an unframed value as bad-framing', async () => {
    const registry = new FakeRegistry();
    const err = await decodeError(
      new KafkaEventDecoder(registry).decode({
        ...message(PUBLISHED, 3, avro.Type.forSchema('string'), 'x'),
        value: Buffer.from('{"a":1}'),
      }),
    );
    expect(err.reason).toBe('bad-framing');
  });

  it('passes on unknown-schema-id from the registry', async () => {
    const registry = new FakeRegistry();
    const writer = avro.Type.forSchema(loadSchema(PUBLISHED));
    const err = await decodeError(
      new KafkaEventDecoder(registry).decode(
        message(PUBLISHED, 404, writer, {
          xblock_info: { usage_key: USAGE, block_type: 'vertical', version: null },
        }),
      ),
    );
    expect(err.reason).toBe('unknown-schema-id');
  });

  it('lets retryable registry failures through unchanged, so the consumer retries instead of dead-lettering', async () => {
    const registry: SchemaSource = { getSchema: () => Promise.reject(new RetryableError('registry down')) };
    const writer = avro.Type.forSchema(loadSchema(PUBLISHED));
    const err = await new KafkaEventDecoder(registry)
      .decode(
        message(PUBLISHED, 3, writer, {
          xblock_info: { usage_key: USAGE, block_type: 'vertical', version: null },
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
  });

  it('rejects a catalog_info course key that is not a course key as invalid-course-key', async () => {
    const registry = new FakeRegistry();
    const writer = registry.add(7, loadSchema(CATALOG));
    const data = structuredClone(catalogData);
    data.catalog_info.course_key = 'lib:edX:library';
    const err = await decodeError(new KafkaEventDecoder(registry).decode(message(CATALOG, 7, writer, data)));
    expect(err.reason).toBe('invalid-course-key');
  });

  it('rejects an i4x usage key, which carries no course run, as invalid-course-key', async () => {
    const registry = new FakeRegistry();
    const writer = registry.add(3, loadSchema(PUBLISHED));
    const err = await decodeError(
      new KafkaEventDecoder(registry).decode(
        message(PUBLISHED, 3, writer, {
          xblock_info: { usage_key: 'i4x://edX/DemoX/vertical/abc', block_type: 'vertical', version: null },
        }),
      ),
    );
    expect(err.reason).toBe('invalid-course-key');
    expect(err.message).toContain('run');
  });

  it('skips and counts unknown event types without asking the registry', async () => {
    const registry = new FakeRegistry();
    const seen: string[] = [];
    const decoder = new KafkaEventDecoder(registry, { onIgnored: (t) => seen.push(t) });
    const created = `${ns}.xblock.created.v1`;
    const msg = {
      ...message(created, 3, avro.Type.forSchema('string'), 'x'),
      value: Buffer.from('anything'),
    };
    expect(await decoder.decode(msg)).toBeNull();
    expect(await decoder.decode(msg)).toBeNull();
    expect(seen).toEqual([created, created]);
    expect(registry.lookups).toBe(0);
  });

  it('rejects unknown event types as unknown-event-type in strict mode', async () => {
    const decoder = new KafkaEventDecoder(new FakeRegistry(), { strict: true });
    const msg = message(`${ns}.xblock.created.v1`, 3, avro.Type.forSchema('string'), 'x');
    expect((await decodeError(decoder.decode(msg))).reason).toBe('unknown-event-type');
  });

  it('rejects duplicate ce_type headers as bad-headers', async () => {
    const registry = new FakeRegistry();
    const writer = registry.add(7, loadSchema(CATALOG));
    const msg = message(CATALOG, 7, writer, catalogData, {
      headers: headers(CATALOG, { ce_type: [Buffer.from(CATALOG), Buffer.from(CATALOG)] }),
    });
    expect((await decodeError(new KafkaEventDecoder(registry).decode(msg))).reason).toBe('bad-headers');
  });

  it('falls back to the message timestamp when ce_time is missing', async () => {
    const registry = new FakeRegistry();
    const writer = registry.add(7, loadSchema(CATALOG));
    const msg = message(CATALOG, 7, writer, catalogData, {
      headers: headers(CATALOG, { ce_time: undefined }),
    });
    expect((await new KafkaEventDecoder(registry).decode(msg))?.time).toEqual(new Date(1714566896000));
  });

  it('builds the resolver once per writer schema id, not once per message', async () => {
    const base = SIGNALS.find((s) => s.eventType === CATALOG)!;
    let built = 0;
    // avsc types are frozen, so the reader type is observed through a proxy.
    const readerType = new Proxy(base.readerType, {
      get(target, prop) {
        if (prop === 'createResolver') {
          return (writerType: avro.Type) => {
            built++;
            return target.createResolver(writerType);
          };
        }
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const registry = new FakeRegistry();
    const writer = registry.add(7, loadSchema(CATALOG));
    registry.add(8, loadSchema(CATALOG));
    const decoder = new KafkaEventDecoder(registry, { signals: [{ ...base, readerType }] });
    for (let i = 0; i < 3; i++) await decoder.decode(message(CATALOG, 7, writer, catalogData));
    expect(built).toBe(1);
    await decoder.decode(message(CATALOG, 8, writer, catalogData));
    expect(built).toBe(2);
  });

  it('reaches CourseDeleted through an extra signal spec', async () => {
    const deletedType = 'org.example.course.deleted.v1';
    const base = SIGNALS.find((s) => s.eventType === `${ns}.course.created.v1`)!;
    const schema = { ...(loadSchema(base.eventType) as object), namespace: deletedType } as avro.Schema;
    const spec: SignalSpec = {
      ...base,
      eventType: deletedType,
      schema,
      readerType: avro.Type.forSchema(schema),
      toEvent: (data, envelope) => ({
        kind: 'deleted',
        courseKey: (data as { course: { course_key: string } }).course.course_key,
        ...envelope,
      }),
    };
    const registry = new FakeRegistry();
    const writer = registry.add(20, schema);
    const decoder = new KafkaEventDecoder(registry, { signals: [...SIGNALS, spec] });
    expect(
      await decoder.decode(message(deletedType, 20, writer, { course: { course_key: COURSE } })),
    ).toMatchObject({
      kind: 'deleted',
      courseKey: COURSE,
      eventId: ID,
    });
  });
});

describe('decoding Redis entries', () => {
  function entry(eventType: string, data: Buffer, sourcelib = '11.2.0'): (Buffer | string)[] {
    return [
      'type',
      Buffer.from(eventType),
      'id',
      Buffer.from(ID),
      'source',
      Buffer.from('openedx/cms/web'),
      'time',
      Buffer.from(TIME),
      'minorversion',
      Buffer.from('0'),
      'sourcehost',
      Buffer.from('studio'),
      'sourcelib',
      Buffer.from(sourcelib),
      'event_data',
      data,
    ].map((v) => (typeof v === 'string' ? Buffer.from(v) : v));
  }

  it('decodes bare Avro written with our schema', () => {
    const data = avro.Type.forSchema(loadSchema(CATALOG)).toBuffer(catalogData);
    const event = decodeRedisEntry({
      stream: 'dev-course-catalog-info-changed',
      id: '1714566896000-0',
      fields: entry(CATALOG, data),
    });
    expect(event).toMatchObject({
      kind: 'changed',
      courseKey: COURSE,
      eventId: ID,
      time: new Date('2024-05-01T12:34:56.789Z'),
      position: { topic: 'dev-course-catalog-info-changed', partition: 0, offset: '1714566896000-0' },
      catalogInfo: { name: 'Demonstration Course', invitationOnly: true },
    });
  });

  it('reads XBlockData from producers older than openedx-events 8.3.0 without the version field', () => {
    const older = structuredClone(loadSchema(PUBLISHED)) as {
      fields: { type: { fields: { name: string }[] } }[];
    };
    older.fields[0]!.type.fields = older.fields[0]!.type.fields.filter((f) => f.name !== 'version');
    const data = avro.Type.forSchema(older as unknown as avro.Schema).toBuffer({
      xblock_info: { usage_key: USAGE, block_type: 'vertical' },
    });
    expect(
      decodeRedisEntry({ stream: 's', id: '1-0', fields: entry(PUBLISHED, data, '8.2.0') }),
    ).toMatchObject({
      courseKey: COURSE,
      usageKey: USAGE,
    });
    // The same bytes claimed to come from a current producer do not fit our schema.
    expect(() =>
      decodeRedisEntry({ stream: 's', id: '1-0', fields: entry(PUBLISHED, data, '11.2.0') }),
    ).toThrow(DecodeError);
  });

  it('skips unknown types, counting them, and rejects them in strict mode', () => {
    const seen: string[] = [];
    const fields = entry(`${ns}.xblock.created.v1`, Buffer.from([0]));
    const onIgnored = (eventType: string) => void seen.push(eventType);
    expect(decodeRedisEntry({ stream: 's', id: '1-0', fields }, { onIgnored })).toBeNull();
    expect(seen).toEqual([`${ns}.xblock.created.v1`]);
    expect(() => decodeRedisEntry({ stream: 's', id: '1-0', fields }, { strict: true })).toThrow(
      /not one course-sink consumes/,
    );
  });

  it('rejects an entry without event_data as bad-framing', () => {
    const fields = entry(CATALOG, Buffer.alloc(0)).slice(0, -2);
    try {
      decodeRedisEntry({ stream: 's', id: '1-0', fields });
      expect.unreachable();
    } catch (err) {
      expect((err as DecodeError).reason).toBe('bad-framing');
      expect((err as DecodeError).message).toContain('s@1-0');
    }
  });
});
