import type { CatalogInfo } from '../domain/catalog.js';
import type { Dump } from '../domain/dump.js';
import { PermanentError } from '../errors.js';
import type { CourseSnapshot } from '../openedx/api-types.js';
import type { Outline } from '../outline/types.js';

/**
 * What one course sync needs from the outside world. The sync is written against these small
 * interfaces; src/app binds them to the LMS or an OLX export and to the configured stores.
 */

/** Where a course's metadata and outline come from: the LMS REST APIs or an OLX export. */
export interface CourseSource {
  /** Throws CourseNotFoundError when the source positively says the course does not exist. */
  getSnapshot(courseKey: string): Promise<CourseSnapshot>;
}

/** The source answered, and the course is not there (LMS 404): the run is marked removed, not retried. */
export class CourseNotFoundError extends PermanentError {
  constructor(
    readonly courseKey: string,
    options?: { cause?: unknown },
  ) {
    super(`course ${courseKey} does not exist in the LMS (404)`, options);
  }
}

/** The latest whole dump ClickHouse holds for a course, as its fingerprint. */
export interface RecordedDump {
  dumpId: string;
  /** The whole dump this one amends (itself for a whole dump). */
  baseDumpId: string;
  fingerprint: string;
  /** The fingerprint without the `tags` lists. */
  structure: string;
}

export interface ClickHouseSink {
  /**
   * Starts looking up the course's latest dump, which needs only its key, so the lookup can overlap the LMS
   * fetch; the promise goes to writeCourse, which asks again itself if it failed.
   */
  latestDump?(courseKey: string): Promise<RecordedDump | undefined>;
  writeCourse(input: {
    snapshot: CourseSnapshot;
    outline: Outline;
    dump: Dump;
    latest?: Promise<RecordedDump | undefined>;
  }): Promise<{
    rowsByTable: Record<string, number>;
    /** Follow-up work that failed without undoing the dump (e.g. pruning removed blocks). */
    warnings?: string[];
    /** The latest dump already held these rows (its id): no new dump was written. */
    unchanged?: string;
    /** Only tags changed: only the rows whose tags changed were written. */
    tagsOnly?: boolean;
  }>;
}

export type CatalogOutcome =
  'created' | 'updated' | 'unchanged' | 'marked-removed' | 'already-removed' | 'unknown-run';

export type RemovalReason = 'deleted_in_studio' | 'not_found_in_lms';

export interface CatalogSink {
  syncFromDetail(snapshot: CourseSnapshot): Promise<CatalogOutcome>;
  /** Used when the LMS is unreachable but the event carried CourseCatalogData. */
  syncFromCatalogInfo(info: CatalogInfo): Promise<CatalogOutcome>;
  markRemoved(courseKey: string, reason: RemovalReason): Promise<CatalogOutcome>;
}

export type ExportOutcome =
  | { status: 'unchanged'; inputsHash: string }
  | { status: 'queued'; inputsHash: string }
  | { status: 'already-queued'; inputsHash: string }
  | { status: 'skipped'; reason: string };

export interface ExportSink {
  /** Recomputes the export hash and queues an archive build when it changed. */
  courseSynced(input: { snapshot: CourseSnapshot; outline: Outline }): Promise<ExportOutcome>;
}
