import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bus/decode-error.js';
import {
  compareVersions,
  parseEventTime,
  parseKafkaHeaders,
  parseRedisFields,
  parseSourceLib,
  type KafkaHeaders,
} from '../../src/bus/headers.js';

const ID = 'c3b6a7de-0f5e-11ef-9f2c-0242ac120002';

/** Headers exactly as edx-event-bus-kafka's _get_headers_from_metadata writes them. */
function producerHeaders(overrides: KafkaHeaders = {}): KafkaHeaders {
  return {
    ce_type: Buffer.from('org.openedx.content_authoring.course.catalog_info.changed.v1'),
    ce_id: Buffer.from(ID),
    ce_source: Buffer.from('openedx/cms/web'),
    sourcehost: Buffer.from('studio-7d9f'),
    ce_specversion: Buffer.from('1.0'),
    'content-type': Buffer.from('application/avro'),
    ce_datacontenttype: Buffer.from('application/avro'),
    ce_time: Buffer.from('2024-05-01T12:34:56.789012+00:00'),
    ce_minorversion: Buffer.from('0'),
    sourcelib: Buffer.from('11.2.0'),
    ...overrides,
  };
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return (err as DecodeError).reason;
  }
  throw new Error('expected a DecodeError');
}

describe('parseKafkaHeaders', () => {
  it('reads every header the Kafka producer writes', () => {
    expect(parseKafkaHeaders(producerHeaders())).toEqual({
      type: 'org.openedx.content_authoring.course.catalog_info.changed.v1',
      id: ID,
      time: new Date('2024-05-01T12:34:56.789Z'),
      minorVersion: 0,
      source: 'openedx/cms/web',
      sourceHost: 'studio-7d9f',
      sourceLib: [11, 2, 0],
      specVersion: '1.0',
      contentType: 'application/avro',
    });
  });

  it('accepts string values and single-element arrays, as kafkajs may hand them over', () => {
    const parsed = parseKafkaHeaders(producerHeaders({ ce_type: 'x.y.v1', ce_id: [Buffer.from(ID)] }));
    expect(parsed.type).toBe('x.y.v1');
    expect(parsed.id).toBe(ID);
  });

  it.each(['ce_type', 'ce_id'])('rejects a repeated %s header', (name) => {
    const headers = producerHeaders();
    headers[name] = [headers[name] as Buffer, Buffer.from('other')];
    expect(reasonOf(() => parseKafkaHeaders(headers))).toBe('bad-headers');
  });

  it.each(['ce_type', 'ce_id'])('rejects a message without %s', (name) => {
    expect(reasonOf(() => parseKafkaHeaders(producerHeaders({ [name]: undefined })))).toBe('bad-headers');
  });

  it('rejects a message with no headers at all', () => {
    expect(reasonOf(() => parseKafkaHeaders(undefined))).toBe('bad-headers');
  });

  it('rejects a ce_id that is not a UUID', () => {
    expect(reasonOf(() => parseKafkaHeaders(producerHeaders({ ce_id: Buffer.from('42') })))).toBe(
      'bad-headers',
    );
  });

  it('leaves optional metadata undefined, and minorversion 0, when the producer left them out', () => {
    const parsed = parseKafkaHeaders({ ce_type: Buffer.from('a.b.v1'), ce_id: Buffer.from(ID) });
    expect(parsed).toMatchObject({ type: 'a.b.v1', id: ID, minorVersion: 0 });
    expect(parsed.time).toBeUndefined();
    expect(parsed.sourceLib).toBeUndefined();
  });

  it('reads ce_minorversion as an integer and rejects anything else', () => {
    expect(parseKafkaHeaders(producerHeaders({ ce_minorversion: Buffer.from('3') })).minorVersion).toBe(3);
    expect(reasonOf(() => parseKafkaHeaders(producerHeaders({ ce_minorversion: Buffer.from('1.5') })))).toBe(
      'bad-headers',
    );
  });

  it('rejects a sourcelib that is not a dotted version', () => {
    expect(reasonOf(() => parseKafkaHeaders(producerHeaders({ sourcelib: Buffer.from('(11, 2, 0)') })))).toBe(
      'bad-headers',
    );
  });
});

describe('parseEventTime', () => {
  it('reads Python isoformat() with microseconds, truncating to milliseconds', () => {
    expect(parseEventTime('2024-05-01T12:34:56.789999+00:00').toISOString()).toBe('2024-05-01T12:34:56.789Z');
  });

  it('reads isoformat() without a fraction, as Python prints when microseconds are 0', () => {
    expect(parseEventTime('2024-05-01T12:34:56+00:00').toISOString()).toBe('2024-05-01T12:34:56.000Z');
  });

  it('applies non-UTC offsets', () => {
    expect(parseEventTime('2024-05-01T14:34:56.5+02:00').toISOString()).toBe('2024-05-01T12:34:56.500Z');
    expect(parseEventTime('2024-05-01T07:04:56-05:30').toISOString()).toBe('2024-05-01T12:34:56.000Z');
    expect(parseEventTime('2024-05-01T12:34:56Z').toISOString()).toBe('2024-05-01T12:34:56.000Z');
  });

  it('takes a naive time as UTC, not local time', () => {
    expect(parseEventTime('2024-05-01T12:34:56.123456').toISOString()).toBe('2024-05-01T12:34:56.123Z');
    expect(parseEventTime('2024-05-01 12:34:56').toISOString()).toBe('2024-05-01T12:34:56.000Z');
  });

  it.each([
    'yesterday',
    '2024-13-01T00:00:00+00:00',
    '2024-02-30T00:00:00+00:00',
    '2024-05-01',
    '1714566896',
  ])('rejects %s', (text) => {
    expect(reasonOf(() => parseEventTime(text))).toBe('bad-headers');
  });
});

describe('Redis entry fields', () => {
  it('reads the metadata fields edx-event-bus-redis writes', () => {
    const fields = new Map(
      Object.entries({
        type: 'org.openedx.content_authoring.xblock.published.v1',
        id: ID,
        source: 'openedx/cms/web',
        time: '2024-05-01T12:34:56+00:00',
        minorversion: '0',
        sourcehost: 'studio',
        sourcelib: '8.2.0',
      }).map(([k, v]) => [k, Buffer.from(v)]),
    );
    expect(parseRedisFields(fields)).toMatchObject({
      type: 'org.openedx.content_authoring.xblock.published.v1',
      id: ID,
      time: new Date('2024-05-01T12:34:56Z'),
      sourceLib: [8, 2, 0],
    });
  });
});

describe('versions', () => {
  it('orders sourcelib versions numerically, not lexically', () => {
    expect(compareVersions(parseSourceLib('8.10.0'), [8, 3, 0])).toBeGreaterThan(0);
    expect(compareVersions([8, 2, 9], [8, 3, 0])).toBeLessThan(0);
    expect(compareVersions([8, 3], [8, 3, 0])).toBe(0);
  });
});
