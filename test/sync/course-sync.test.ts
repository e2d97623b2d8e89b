import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CatalogInfo } from '../../src/domain/catalog.js';
import type { CourseEvent } from '../../src/domain/events.js';
import { PermanentError, RetryableError } from '../../src/errors.js';
import type { CourseSnapshot } from '../../src/openedx/api-types.js';
import { syncCourse, type RetryRunner, type SyncDeps } from '../../src/sync/course-sync.js';
import type { Dump } from '../../src/domain/dump.js';
import { formatDumpTime } from '../../src/sinks/clickhouse/datetime.js';
import { CourseNotFoundError, type RemovalReason } from '../../src/sync/ports.js';
import { syntheticSnapshot } from '../support/synthetic-course.js';

const KEY = 'course-v1:SynthX+Load101+2024';
const logger = pino({ level: 'silent' });

/** Retries each store up to three times, as the real runner does, without waiting. */
const instantRetry: RetryRunner = async (_what, fn) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof RetryableError) || attempt >= 3) throw err;
    }
  }
};

function harness(overrides: Partial<SyncDeps> = {}) {
  const calls: string[] = [];
  const dumps: Dump[] = [];
  const removed: Array<[string, RemovalReason]> = [];
  const fromInfo: CatalogInfo[] = [];
  const finished: string[] = [];
  const snapshot = syntheticSnapshot({ blocks: 60, courseKey: KEY });
  const deps: SyncDeps = {
    source: { getSnapshot: async () => (calls.push('lms'), snapshot) },
    clickhouse: {
      writeCourse: async ({ outline, dump }) => {
        calls.push('clickhouse');
        dumps.push(dump);
        return {
          rowsByTable: {
            course_blocks: outline.rows.length,
            course_relationships: outline.relationships.length,
          },
        };
      },
    },
    catalog: {
      syncFromDetail: async () => (calls.push('postgres'), 'created'),
      syncFromCatalogInfo: async (info) => (calls.push('postgres:info'), fromInfo.push(info), 'updated'),
      markRemoved: async (key, reason) => (
        calls.push('postgres:removed'),
        removed.push([key, reason]),
        'marked-removed'
      ),
    },
    exports: { courseSynced: async () => (calls.push('exports'), { status: 'queued', inputsHash: 'h' }) },
    logger,
    retry: instantRetry,
    observer: {
      syncStarted: () => undefined,
      syncFinished: (_key, outcome) => void finished.push(outcome),
      rowsWritten: () => undefined,
    },
    now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
    ...overrides,
  };
  return { deps, calls, dumps, removed, fromInfo, finished, snapshot };
}

const changed = (extra: Partial<CourseEvent> = {}): CourseEvent =>
  ({
    kind: 'changed',
    courseKey: KEY,
    eventId: 'e1',
    eventType: 'org.openedx.content_authoring.xblock.published.v1',
    time: new Date(),
    ...extra,
  }) as CourseEvent;

describe('syncCourse', () => {
  it('reads the course once and writes ClickHouse, then the catalog, then the export check', async () => {
    const h = harness();
    const result = await syncCourse(h.deps, KEY, [changed()]);
    expect(h.calls).toEqual(['lms', 'clickhouse', 'postgres', 'exports']);
    expect(result.dump?.dumpedAt).toEqual(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)));
    // What the ClickHouse sink writes as time_last_dumped.
    expect(formatDumpTime(result.dump!.dumpedAt)).toBe('2026-01-02 03:04:05.678000+00:00');
    expect(result.rowsByTable.course_blocks).toBe(result.outline?.rows.length);
    expect(result.export).toEqual({ status: 'queued', inputsHash: 'h' });
    expect(h.finished).toEqual(['succeeded']);
  });

  it('retries a failed ClickHouse insert with the same dump id and time, so no second dump appears', async () => {
    const h = harness();
    let failures = 1;
    const inner = h.deps.clickhouse;
    h.deps.clickhouse = {
      writeCourse: async (input) => {
        h.dumps.push(input.dump);
        if (failures-- > 0) throw new RetryableError('insert timed out');
        return inner.writeCourse(input);
      },
    };
    await syncCourse(h.deps, KEY, [changed()]);
    expect(h.dumps.length).toBe(3);
    expect(new Set(h.dumps.map((d) => d.dumpId)).size).toBe(1);
    expect(new Set(h.dumps.map((d) => formatDumpTime(d.dumpedAt))).size).toBe(1);
    // The very dump of the first try: the sync makes it once.
    expect(new Set(h.dumps).size).toBe(1);
  });

  it('marks the run removed when the latest event deletes the course, and writes no analytics rows', async () => {
    const h = harness();
    const deleted = {
      ...changed(),
      kind: 'deleted',
      eventType: 'org.openedx.content_authoring.course.deleted.v1',
    } as CourseEvent;
    const result = await syncCourse(h.deps, KEY, [changed(), deleted]);
    expect(h.calls).toEqual(['postgres:removed']);
    expect(h.removed).toEqual([[KEY, 'deleted_in_studio']]);
    expect(result.catalog).toBe('marked-removed');
  });

  it('marks the run removed when the LMS says the course does not exist', async () => {
    const h = harness({ source: { getSnapshot: async () => Promise.reject(new CourseNotFoundError(KEY)) } });
    await syncCourse(h.deps, KEY, [changed()]);
    expect(h.removed).toEqual([[KEY, 'not_found_in_lms']]);
    expect(h.calls).not.toContain('clickhouse');
  });

  it('updates the catalog from the event when the LMS is unreachable, then fails retryably', async () => {
    const info: CatalogInfo = {
      courseKey: KEY,
      name: 'From the event',
      schedule: {
        start: '2026-01-01T00:00:00+00:00',
        pacing: 'instructor',
        end: null,
        enrollmentStart: null,
        enrollmentEnd: null,
      },
      hidden: false,
      invitationOnly: false,
    };
    const h = harness({
      source: { getSnapshot: async () => Promise.reject(new RetryableError('connect ECONNREFUSED')) },
    });
    await expect(
      syncCourse(h.deps, KEY, [changed({ catalogInfo: info } as Partial<CourseEvent>)]),
    ).rejects.toBeInstanceOf(RetryableError);
    expect(h.fromInfo).toEqual([info]);
    expect(h.calls).not.toContain('clickhouse');
    expect(h.finished).toEqual(['failed']);
  });

  it('fails permanently, without touching later sinks, when a sink rejects the course for good', async () => {
    const h = harness();
    h.deps.catalog = {
      ...h.deps.catalog,
      syncFromDetail: async () => Promise.reject(new PermanentError('bad dates')),
    };
    await expect(syncCourse(h.deps, KEY, [changed()])).rejects.toBeInstanceOf(PermanentError);
    expect(h.calls).toEqual(['lms', 'clickhouse']);
    expect(h.finished).toEqual(['failed']);
  });

  it('reads the same snapshot shape from any source', async () => {
    const snapshot: CourseSnapshot = syntheticSnapshot({ blocks: 5, courseKey: KEY });
    const h = harness({ source: { getSnapshot: async () => snapshot }, exports: undefined });
    const result = await syncCourse(h.deps, KEY);
    expect(result.outline?.rootLocation).toBe(snapshot.blocks.root);
    expect(result.export).toBeUndefined();
  });

  it('fetches a structure that contradicts the events again with backoff, then dumps the fresh one', async () => {
    const h = harness();
    const fresh = h.snapshot;
    const stale = structuredClone(fresh);
    const unit = Object.keys(stale.blocks.blocks).find((k) => k.includes('type@vertical'))!;
    delete stale.blocks.blocks[unit];
    const answers = [stale, stale, fresh];
    const sleeps: number[] = [];
    const refetches: string[] = [];
    h.deps.source = { getSnapshot: async () => (h.calls.push('lms'), answers.shift() ?? fresh) };
    h.deps.sleep = async (ms) => void sleeps.push(ms);
    h.deps.freshness = { attempts: 4, initialMs: 1_000 };
    h.deps.observer = { ...h.deps.observer!, staleRefetch: (outcome) => void refetches.push(outcome) };
    const result = await syncCourse(h.deps, KEY, [changed({ usageKey: unit })]);
    expect(h.calls.filter((c) => c === 'lms')).toHaveLength(3);
    expect(sleeps).toEqual([1_000, 2_000]);
    expect(refetches).toEqual(['refetched', 'refetched']);
    expect(result.outline?.rows.some((r) => r.location === unit)).toBe(true);
    expect(h.dumps).toHaveLength(1);
  });

  it('gives up after its attempts, counts it and dumps what the LMS has', async () => {
    const h = harness();
    const refetches: string[] = [];
    h.deps.sleep = async () => undefined;
    h.deps.freshness = { attempts: 2, initialMs: 1 };
    h.deps.observer = { ...h.deps.observer!, staleRefetch: (outcome) => void refetches.push(outcome) };
    const missing = 'block-v1:SynthX+Load101+2024+type@vertical+block@never_there';
    await syncCourse(h.deps, KEY, [changed({ usageKey: missing })]);
    expect(h.calls.filter((c) => c === 'lms')).toHaveLength(3);
    expect(refetches).toEqual(['refetched', 'refetched', 'gave_up']);
    expect(h.dumps).toHaveLength(1);
  });
});
