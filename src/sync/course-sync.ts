import type { Logger } from '../log.js';
import { newDump, type Dump } from '../domain/dump.js';
import type { CourseEvent } from '../domain/events.js';
import { sleep } from '../backoff.js';
import { RetryableError, isRetryable } from '../errors.js';
import type { CourseSnapshot } from '../openedx/api-types.js';
import { buildOutline } from '../outline/index.js';
import type { Outline } from '../outline/types.js';
import { staleness } from './freshness.js';
import {
  CourseNotFoundError,
  type CatalogOutcome,
  type CatalogSink,
  type ClickHouseSink,
  type CourseSource,
  type ExportOutcome,
  type ExportSink,
} from './ports.js';

/** Runs fn, retrying retryable failures with backoff; gives up (rethrowing) after its own budget. */
export type RetryRunner = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

export interface SyncObserver {
  syncStarted(courseKey: string): void;
  /** A fetched structure contradicted the events: fetched again, or dumped as it was after the last try. */
  staleRefetch?(outcome: 'refetched' | 'gave_up'): void;
  syncFinished(courseKey: string, outcome: 'succeeded' | 'failed', seconds: number): void;
  rowsWritten(table: string, rows: number): void;
}

export interface SyncDeps {
  source: CourseSource;
  clickhouse: ClickHouseSink;
  catalog: CatalogSink;
  exports?: ExportSink;
  logger: Logger;
  retry: RetryRunner;
  observer?: SyncObserver;
  now?: () => Date;
  /** Re-fetches of a stale structure: how many, and the first wait (doubling, capped at a minute). */
  freshness?: { attempts: number; initialMs: number };
  sleep?: (ms: number) => Promise<void>;
}

export interface SyncResult {
  courseKey: string;
  outline?: Outline;
  /** The dump written; absent when ClickHouse already held the same rows (`unchangedDump`). */
  dump?: Dump;
  unchangedDump?: string;
  rowsByTable: Record<string, number>;
  catalog: CatalogOutcome;
  export?: ExportOutcome;
}

/**
 * One course, start to finish: read it once, compute its outline, then bring every sink up to date.
 * Each sink is idempotent and retried on its own (ClickHouse with the same dump, so a retry never
 * makes a second visible dump); the sync succeeds only when all of them did, which is what allows the
 * bus to commit the events it covered.
 */
export async function syncCourse(
  deps: SyncDeps,
  courseKey: string,
  events: CourseEvent[] = [],
): Promise<SyncResult> {
  const now = deps.now ?? (() => new Date());
  const startedAt = process.hrtime.bigint();
  const eventIds = events.map((e) => e.eventId);
  const log = deps.logger.child({
    course_key: courseKey,
    ...(eventIds.length > 0 ? { event_id: eventIds.length === 1 ? eventIds[0] : eventIds } : {}),
  });
  deps.observer?.syncStarted(courseKey);
  try {
    const result = await run(deps, courseKey, events, log, now);
    deps.observer?.syncFinished(courseKey, 'succeeded', seconds(startedAt));
    return result;
  } catch (err) {
    deps.observer?.syncFinished(courseKey, 'failed', seconds(startedAt));
    log.error({ err, retryable: isRetryable(err) }, 'course sync failed');
    throw err;
  }
}

async function run(
  deps: SyncDeps,
  courseKey: string,
  events: CourseEvent[],
  log: Logger,
  now: () => Date,
): Promise<SyncResult> {
  const latest = events.at(-1);
  if (latest?.kind === 'deleted') {
    const catalog = await deps.retry('postgres', () =>
      deps.catalog.markRemoved(courseKey, 'deleted_in_studio'),
    );
    log.info({ catalog }, 'course deleted in Studio: catalog run marked, analytics history kept');
    return { courseKey, rowsByTable: {}, catalog };
  }

  // Needs only the key: looked up while the LMS answers.
  const latestDump = deps.clickhouse.latestDump?.(courseKey);
  let snapshot: CourseSnapshot;
  try {
    snapshot = await fetchFresh(deps, courseKey, events, log);
  } catch (err) {
    if (err instanceof CourseNotFoundError) {
      const catalog = await deps.retry('postgres', () =>
        deps.catalog.markRemoved(courseKey, 'not_found_in_lms'),
      );
      log.warn({ catalog }, 'course not found in the LMS: catalog run marked, analytics history kept');
      return { courseKey, rowsByTable: {}, catalog };
    }
    return await withoutLms(deps, courseKey, events, log, err);
  }

  const outline = buildOutline(snapshot.blocks);
  reportOutlineIssues(outline, log);
  // Once per sync: every retry below resends this same dump.
  const dump = newDump(now());
  const dumpLog = log.child({ dump_id: dump.dumpId });

  const {
    rowsByTable,
    warnings = [],
    unchanged,
    tagsOnly,
  } = await deps.retry('clickhouse', () =>
    deps.clickhouse.writeCourse({ snapshot, outline, dump, latest: latestDump }),
  );
  for (const warning of warnings) log.warn({ dump_id: dump.dumpId }, warning);
  for (const [table, rows] of Object.entries(rowsByTable)) deps.observer?.rowsWritten(table, rows);
  if (unchanged) log.info({ dump_id: unchanged }, 'clickhouse already holds these rows: no new dump');
  else if (tagsOnly) dumpLog.info({ rows: rowsByTable }, 'only tags changed: their rows written');
  else dumpLog.info({ rows: rowsByTable }, 'clickhouse dump written');

  const catalog = await deps.retry('postgres', () => deps.catalog.syncFromDetail(snapshot));
  dumpLog.info({ catalog }, 'catalog synced');

  const exportOutcome = deps.exports
    ? await deps.retry('exports', () => deps.exports!.courseSynced({ snapshot, outline }))
    : undefined;
  if (exportOutcome) dumpLog.info({ export: exportOutcome }, 'export checked');

  return {
    courseKey,
    outline,
    ...(unchanged ? { unchangedDump: unchanged } : { dump }),
    rowsByTable,
    catalog,
    export: exportOutcome,
  };
}

const DEFAULT_FRESHNESS = { attempts: 6, initialMs: 10_000 };
const MAX_STALE_WAIT_MS = 60_000;

/**
 * Reads the course, and reads it again with backoff while it contradicts the events (see staleness): the
 * LMS answers from a block cache rebuilt some time after each publish. After the last attempt the structure
 * is used as it is, and the give-up is logged and counted, since a deletion or a later publish may explain it.
 */
async function fetchFresh(
  deps: SyncDeps,
  courseKey: string,
  events: CourseEvent[],
  log: Logger,
): Promise<CourseSnapshot> {
  const { attempts, initialMs } = deps.freshness ?? DEFAULT_FRESHNESS;
  const wait = deps.sleep ?? sleep;
  let snapshot = await deps.retry('lms', () => deps.source.getSnapshot(courseKey));
  for (let attempt = 1; ; attempt++) {
    const why = staleness(snapshot, events);
    if (why === null) return snapshot;
    if (attempt > attempts) {
      deps.observer?.staleRefetch?.('gave_up');
      log.warn({ reason: why, attempts }, 'LMS structure still contradicts the events; dumping it as it is');
      return snapshot;
    }
    const waitMs = Math.min(initialMs * 2 ** (attempt - 1), MAX_STALE_WAIT_MS);
    deps.observer?.staleRefetch?.('refetched');
    log.info({ reason: why, attempt, retry_in_ms: waitMs }, 'LMS structure is stale; fetching it again');
    await wait(waitMs);
    snapshot = await deps.retry('lms', () => deps.source.getSnapshot(courseKey));
  }
}

/**
 * The LMS could not be read. A course that does not exist there is a permanent failure; otherwise the
 * catalog is still updated from the event's CourseCatalogData, and the sync fails retryably so the
 * outline is written once the LMS answers again.
 */
async function withoutLms(
  deps: SyncDeps,
  courseKey: string,
  events: CourseEvent[],
  log: Logger,
  err: unknown,
): Promise<never> {
  if (!isRetryable(err)) throw err;
  const info = [...events].reverse().find((e) => e.kind === 'changed' && e.catalogInfo);
  if (info?.kind === 'changed' && info.catalogInfo) {
    const catalog = await deps.retry('postgres', () => deps.catalog.syncFromCatalogInfo(info.catalogInfo!));
    log.warn({ catalog, err }, 'LMS unreachable: catalog updated from the event, outline will be retried');
  }
  throw new RetryableError(`LMS unreachable while syncing ${courseKey}; will retry`, { cause: err });
}

function reportOutlineIssues(outline: Outline, log: Logger): void {
  const { missingChildren, unreachable, duplicates } = outline.issues;
  if (missingChildren.length + unreachable.length + duplicates.length === 0) return;
  log.warn(
    {
      missing_children: missingChildren.slice(0, 20),
      unreachable: unreachable.length,
      duplicates: duplicates.slice(0, 20),
    },
    'course outline has inconsistencies; rows were written for the reachable tree',
  );
}

function seconds(startedAt: bigint): number {
  return Number(process.hrtime.bigint() - startedAt) / 1e9;
}
