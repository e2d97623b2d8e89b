import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { CourseKey, InvalidKeyError, UsageKey } from '../domain/keys.js';
import { DecodeError } from './decode-error.js';
import type { CatalogInfo } from '../domain/catalog.js';
import type { CourseChanged, CourseEvent } from '../domain/events.js';
import { CATALOG_INFO_TOPIC, XBLOCK_LIFECYCLE_TOPIC } from './topics.js';

/**
 * The Open edX signals course-sink consumes: for each event type, the Avro schema openedx-events
 * generates for it (schemas/<event_type>.avsc), the key field and topic Studio configures, and how its
 * data becomes a domain event.
 *
 * No signal announces a course deletion on the bus today (modulestore's course_deleted stays in-process),
 * so nothing here produces CourseDeleted. When one appears, add a SignalSpec whose toEvent returns
 * `{ kind: 'deleted', … }`, or pass such a spec to the decoder's `signals` option; nothing else changes.
 */

/** The event fields that come from the envelope (headers and position), not from the signal's data. */
export type EventEnvelope = Pick<CourseChanged, 'eventId' | 'eventType' | 'time' | 'source' | 'position'>;

export interface SignalSpec {
  /** The CloudEvents type (ce_type), also the Avro namespace of the schema. */
  eventType: string;
  /** The name of the signal in openedx_events.content_authoring.signals. */
  signalName: string;
  /** The base topic Studio sends it to (cms/envs/common.py EVENT_BUS_PRODUCER_CONFIG), if it has a default. */
  topic?: string;
  /** Studio's event_key_field: the dotted path of the Kafka key inside the data. */
  keyField: string;
  /** The reader schema: what the current openedx-events release generates. */
  schema: avro.Schema;
  readerType: avro.Type;
  /**
   * Writer schemas of older openedx-events releases, for Redis entries (no registry there): an entry
   * whose sourcelib is below `before` was written with `type`.
   */
  olderWriters: { before: number[]; type: avro.Type }[];
  /**
   * Maps decoded data (already shaped by readerType) to a domain event, or null for an event about no
   * course (a tag change on library content). Throws DecodeError.
   */
  toEvent(data: unknown, envelope: EventEnvelope): CourseEvent | null;
}

interface CourseData {
  course_key: string;
}

interface XBlockData {
  usage_key: string;
  block_type: string;
  version: string | null;
}

interface CourseCatalogData {
  course_key: string;
  name: string;
  schedule_data: {
    start: string;
    pacing: string;
    end: string | null;
    enrollment_start: string | null;
    enrollment_end: string | null;
  };
  hidden: boolean;
  invitation_only: boolean;
}

const schemasDir = new URL('../../schemas/', import.meta.url);

/** Reads schemas/<eventType>.avsc; the file is the schema exactly as openedx-events generates it. */
export function loadSchema(eventType: string): avro.Schema {
  return JSON.parse(readFileSync(new URL(`${eventType}.avsc`, schemasDir), 'utf8')) as avro.Schema;
}

/** openedx-events 8.3.0 added the optional `version` to XBlockData; older writers lack it. */
const XBLOCK_VERSION_ADDED = [8, 3, 0];

function withoutXBlockVersion(schema: avro.Schema): avro.Schema {
  const copy = structuredClone(schema) as { fields: { type: { fields: { name: string }[] } }[] };
  for (const field of copy.fields) field.type.fields = field.type.fields.filter((f) => f.name !== 'version');
  return copy as unknown as avro.Schema;
}

/** The course key without branch or version, as the sinks store it. Throws DecodeError. */
function courseKeyOf(key: string, eventType: string): string {
  return asDecodeError(eventType, () => CourseKey.parse(key).forBranch(null).toString());
}

/** The course a block belongs to. i4x:// usage keys of old Mongo courses carry no run, so they fail here. */
function usageCourseKey(usageKey: string, eventType: string): string {
  return asDecodeError(eventType, () => {
    const course = UsageKey.parse(usageKey).courseKey;
    if (course.run === null) {
      throw new InvalidKeyError(
        usageKey,
        'an i4x:// usage key does not contain the course run; sync the course by its key',
      );
    }
    return course.forBranch(null).toString();
  });
}

function asDecodeError(eventType: string, derive: () => string): string {
  try {
    return derive();
  } catch (err) {
    if (err instanceof InvalidKeyError)
      throw new DecodeError('invalid-course-key', `${eventType}: ${err.message}`, { cause: err });
    throw err;
  }
}

function catalogInfo(data: CourseCatalogData, courseKey: string): CatalogInfo {
  const s = data.schedule_data;
  return {
    courseKey,
    name: data.name,
    schedule: {
      start: s.start,
      pacing: s.pacing,
      end: s.end,
      enrollmentStart: s.enrollment_start,
      enrollmentEnd: s.enrollment_end,
    },
    hidden: data.hidden,
    invitationOnly: data.invitation_only,
  };
}

function spec(
  eventType: string,
  signalName: string,
  topic: string | undefined,
  keyField: string,
  toEvent: SignalSpec['toEvent'],
  options: { hasXBlockVersion?: boolean } = {},
): SignalSpec {
  const schema = loadSchema(eventType);
  return {
    eventType,
    signalName,
    topic,
    keyField,
    schema,
    readerType: avro.Type.forSchema(schema),
    olderWriters: options.hasXBlockVersion
      ? [{ before: XBLOCK_VERSION_ADDED, type: avro.Type.forSchema(withoutXBlockVersion(schema)) }]
      : [],
    toEvent,
  };
}

const catalogChanged: SignalSpec['toEvent'] = (data, envelope) => {
  const info = (data as { catalog_info: CourseCatalogData }).catalog_info;
  const courseKey = courseKeyOf(info.course_key, envelope.eventType);
  return { kind: 'changed', courseKey, catalogInfo: catalogInfo(info, courseKey), ...envelope };
};

/** Any block published, deleted or duplicated changes the course outline, so the course is re-read. */
const xblockChanged: SignalSpec['toEvent'] = (data, envelope) => {
  const { usage_key: usageKey } = (data as { xblock_info: XBlockData }).xblock_info;
  return { kind: 'changed', courseKey: usageCourseKey(usageKey, envelope.eventType), usageKey, ...envelope };
};

const courseChanged: SignalSpec['toEvent'] = (data, envelope) => {
  const { course_key: key } = (data as { course: CourseData }).course;
  return { kind: 'changed', courseKey: courseKeyOf(key, envelope.eventType), ...envelope };
};

/**
 * A content object's tags changed (content_tagging/api.py `tag_object`, `set_exported_object_tags`): the
 * object is a course, one of its blocks, or library content, which belongs to no course.
 */
const contentObjectChanged: SignalSpec['toEvent'] = (data, envelope) => {
  const content = (data as { content_object: { object_id: string; changes?: string[] } }).content_object;
  const objectId = content.object_id;
  const courseKey = objectId.startsWith('course-v1:')
    ? courseKeyOf(objectId, envelope.eventType)
    : objectId.startsWith('block-v1:')
      ? usageCourseKey(objectId, envelope.eventType)
      : null;
  if (courseKey === null) return null;
  return { kind: 'changed', courseKey, objectId, changes: content.changes ?? ['tags'], ...envelope };
};

const ns = 'org.openedx.content_authoring';

/** Every signal course-sink understands. */
export const SIGNALS: readonly SignalSpec[] = [
  spec(
    `${ns}.course.catalog_info.changed.v1`,
    'COURSE_CATALOG_INFO_CHANGED',
    CATALOG_INFO_TOPIC,
    'catalog_info.course_key',
    catalogChanged,
  ),
  spec(
    `${ns}.xblock.published.v1`,
    'XBLOCK_PUBLISHED',
    XBLOCK_LIFECYCLE_TOPIC,
    'xblock_info.usage_key',
    xblockChanged,
    {
      hasXBlockVersion: true,
    },
  ),
  spec(
    `${ns}.xblock.deleted.v1`,
    'XBLOCK_DELETED',
    XBLOCK_LIFECYCLE_TOPIC,
    'xblock_info.usage_key',
    xblockChanged,
    {
      hasXBlockVersion: true,
    },
  ),
  spec(
    `${ns}.xblock.duplicated.v1`,
    'XBLOCK_DUPLICATED',
    XBLOCK_LIFECYCLE_TOPIC,
    'xblock_info.usage_key',
    xblockChanged,
    {
      hasXBlockVersion: true,
    },
  ),
  // Studio configures no topic for these three; an operator may send them to any topic.
  spec(`${ns}.course.created.v1`, 'COURSE_CREATED', undefined, 'course.course_key', courseChanged),
  spec(
    `${ns}.course.import.completed.v1`,
    'COURSE_IMPORT_COMPLETED',
    undefined,
    'course.course_key',
    courseChanged,
  ),
  spec(
    `${ns}.course.rerun.completed.v1`,
    'COURSE_RERUN_COMPLETED',
    undefined,
    'course.course_key',
    courseChanged,
  ),
  // Studio routes these nowhere by default; an operator sends them to a topic of EVENT_BUS_TOPICS.
  spec(
    `${ns}.content.object.associations.changed.v1`,
    'CONTENT_OBJECT_ASSOCIATIONS_CHANGED',
    undefined,
    'content_object.object_id',
    contentObjectChanged,
  ),
  spec(
    `${ns}.content.object.tags.changed.v1`,
    'CONTENT_OBJECT_TAGS_CHANGED',
    undefined,
    'content_object.object_id',
    contentObjectChanged,
  ),
];

/** Looks specs up by ce_type. */
export function signalsByType(signals: readonly SignalSpec[] = SIGNALS): ReadonlyMap<string, SignalSpec> {
  return new Map(signals.map((s) => [s.eventType, s]));
}
