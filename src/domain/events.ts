/**
 * The normalized domain events every bus transport produces, whatever signal or wire format
 * they came from. The sync only ever sees these.
 */

import type { CatalogInfo } from './catalog.js';

/** Where a message came from on the bus, for commits, dead letters and logs. */
export interface BusPosition {
  topic: string;
  partition: number;
  /** Kafka offset as a decimal string, or a Redis stream entry id. */
  offset: string;
}

interface CourseEventBase {
  courseKey: string;
  /** CloudEvents id (ce_id), a UUID. */
  eventId: string;
  /** CloudEvents type (ce_type), e.g. org.openedx.content_authoring.course.catalog_info.changed.v1. */
  eventType: string;
  /** ce_time; for catalog_info.changed this is the course's subtree_edited_on, not the send time. */
  time: Date;
  source?: string;
  position?: BusPosition;
}

/** Something about the course changed: re-read it and rewrite every sink. */
export interface CourseChanged extends CourseEventBase {
  kind: 'changed';
  catalogInfo?: CatalogInfo;
  /** The usage key of the block that triggered it, for xblock.* signals. */
  usageKey?: string;
  /** The content object whose associations changed (course or block), and what changed (`tags`). */
  objectId?: string;
  changes?: string[];
}

/** The course itself is gone from Studio. */
export interface CourseDeleted extends CourseEventBase {
  kind: 'deleted';
}

export type CourseEvent = CourseChanged | CourseDeleted;
