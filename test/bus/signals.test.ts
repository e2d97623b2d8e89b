import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SIGNALS, signalsByType } from '../../src/bus/signals.js';
import {
  CATALOG_INFO_TOPIC,
  deadLetterTopic,
  fullTopic,
  XBLOCK_LIFECYCLE_TOPIC,
} from '../../src/bus/topics.js';

const ns = 'org.openedx.content_authoring';

describe('signals', () => {
  it('cover exactly the schema files in schemas/', () => {
    const files = readdirSync(new URL('../../schemas/', import.meta.url)).filter((f) => f.endsWith('.avsc'));
    expect(SIGNALS.map((s) => `${s.eventType}.avsc`).sort()).toEqual(files.sort());
  });

  it('use the event type as the Avro namespace, as openedx-events generates it', () => {
    for (const signal of SIGNALS) expect(signal.readerType.name).toBe(`${signal.eventType}.CloudEvent`);
  });

  it('route catalog changes and xblock lifecycle events to Studio’s default topics and key fields', () => {
    const byType = signalsByType();
    expect(byType.get(`${ns}.course.catalog_info.changed.v1`)).toMatchObject({
      signalName: 'COURSE_CATALOG_INFO_CHANGED',
      topic: CATALOG_INFO_TOPIC,
      keyField: 'catalog_info.course_key',
    });
    for (const action of ['published', 'deleted', 'duplicated']) {
      expect(byType.get(`${ns}.xblock.${action}.v1`)).toMatchObject({
        topic: XBLOCK_LIFECYCLE_TOPIC,
        keyField: 'xblock_info.usage_key',
      });
    }
    expect(byType.get(`${ns}.course.rerun.completed.v1`)).toMatchObject({
      topic: undefined,
      keyField: 'course.course_key',
    });
  });

  it('know the XBlockData schema before openedx-events 8.3.0 added version', () => {
    const published = signalsByType().get(`${ns}.xblock.published.v1`)!;
    expect(published.olderWriters).toHaveLength(1);
    expect(published.olderWriters[0]!.before).toEqual([8, 3, 0]);
    const older = published.olderWriters[0]!.type.toBuffer({
      xblock_info: { usage_key: 'u', block_type: 'b' },
    });
    expect(
      published.readerType.fromBuffer(
        older,
        published.readerType.createResolver(published.olderWriters[0]!.type),
      ),
    ).toEqual({
      xblock_info: { usage_key: 'u', block_type: 'b', version: null },
    });
    expect(signalsByType().get(`${ns}.course.catalog_info.changed.v1`)!.olderWriters).toEqual([]);
  });
});

describe('topic names', () => {
  it('are {prefix}-{topic} with a prefix, as edx-event-bus-kafka builds them', () => {
    expect(fullTopic(CATALOG_INFO_TOPIC, 'dev')).toBe('dev-course-catalog-info-changed');
  });

  it('are the base topic without a prefix', () => {
    expect(fullTopic(XBLOCK_LIFECYCLE_TOPIC)).toBe('course-authoring-xblock-lifecycle');
    expect(fullTopic(XBLOCK_LIFECYCLE_TOPIC, '')).toBe('course-authoring-xblock-lifecycle');
  });

  it('put dead letters beside the source topic', () => {
    expect(deadLetterTopic('dev-course-catalog-info-changed', '.dlq')).toBe(
      'dev-course-catalog-info-changed.dlq',
    );
  });
});
