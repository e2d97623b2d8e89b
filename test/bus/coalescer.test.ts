import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer, type CoalescerOptions, type EventAck } from '../../src/bus/coalescer.js';
import type { CourseEvent } from '../../src/domain/events.js';
import { Alarms } from '../../src/alarms.js';
import { MisconfigurationError, PermanentError, RetryableError } from '../../src/errors.js';

const WINDOW = 30_000;
let seq = 0;

function changed(courseKey: string): CourseEvent {
  seq++;
  return {
    kind: 'changed',
    courseKey,
    eventId: `00000000-0000-1000-8000-${String(seq).padStart(12, '0')}`,
    eventType: 'org.openedx.content_authoring.course.catalog_info.changed.v1',
    time: new Date(0),
  };
}

function deleted(courseKey: string): CourseEvent {
  return {
    ...changed(courseKey),
    kind: 'deleted',
    eventType: 'org.openedx.content_authoring.course.deleted.v1',
  };
}

interface RecordingAck extends EventAck {
  state: 'pending' | 'applied' | 'dead-lettered';
  reason?: string;
  attempts?: number;
  count: number;
}

function ack(): RecordingAck {
  const a: RecordingAck = {
    state: 'pending',
    count: 0,
    applied: () => {
      a.state = 'applied';
      a.count++;
    },
    deadLettered: (reason, _err, details) => {
      a.state = 'dead-lettered';
      a.reason = reason;
      a.attempts = details?.attempts;
      a.count++;
    },
  };
  return a;
}

/** A controllable sync: each call waits until the test settles it. */
function manualSync() {
  const calls: {
    courseKey: string;
    events: readonly CourseEvent[];
    resolve: () => void;
    reject: (e: unknown) => void;
  }[] = [];
  const run = vi.fn(
    (courseKey: string, events: readonly CourseEvent[]) =>
      new Promise<void>((resolve, reject) => calls.push({ courseKey, events, resolve, reject })),
  );
  return { run, calls };
}

function coalescer(overrides: Partial<CoalescerOptions> & Pick<CoalescerOptions, 'run'>) {
  return new Coalescer({ debounceMs: WINDOW, concurrency: 4, random: () => 0.5, ...overrides });
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Coalescer', () => {
  it('syncs 1,000 events for one course once, and applies every one of them', async () => {
    const run = vi.fn().mockResolvedValue(undefined);
    const c = coalescer({ run });
    const acks = Array.from({ length: 1_000 }, () => ack());
    for (const a of acks) c.submit(changed('course-v1:edX+DemoX+Demo_Course'), a);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0]![1]).toHaveLength(1_000);
    expect(acks.every((a) => a.state === 'applied' && a.count === 1)).toBe(true);
    expect(c.stats()).toEqual({ pendingCourses: 0, pendingEvents: 0, inFlight: 0, retrying: 0 });
  });

  it('restarts the window on each event, but syncs a constant stream after the maximum wait', async () => {
    const run = vi.fn().mockResolvedValue(undefined);
    const c = coalescer({ run, maxWaitMs: 5 * WINDOW });
    for (let t = 0; t < 5 * WINDOW; t += WINDOW / 2) {
      c.submit(changed('course-v1:A+B+C'), ack());
      await vi.advanceTimersByTimeAsync(WINDOW / 2);
      if (t + WINDOW / 2 < 5 * WINDOW) expect(run).not.toHaveBeenCalled();
    }
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0]![1]).toHaveLength(10);
  });

  it('does not sync before the quiet window has passed', async () => {
    const run = vi.fn().mockResolvedValue(undefined);
    const c = coalescer({ run });
    c.submit(changed('course-v1:A+B+C'), ack());
    await vi.advanceTimersByTimeAsync(WINDOW - 1);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('runs exactly one more sync for all events that arrived during a sync', async () => {
    const { run, calls } = manualSync();
    const c = coalescer({ run });
    const first = ack();
    c.submit(changed('course-v1:A+B+C'), first);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(calls).toHaveLength(1);
    const during = Array.from({ length: 5 }, () => ack());
    for (const a of during) c.submit(changed('course-v1:A+B+C'), a);
    await vi.advanceTimersByTimeAsync(WINDOW * 3);
    expect(calls).toHaveLength(1);
    calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(first.state).toBe('applied');
    expect(during.every((a) => a.state === 'pending')).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.events).toHaveLength(5);
    calls[1]!.resolve();
    await vi.advanceTimersByTimeAsync(WINDOW * 3);
    expect(calls).toHaveLength(2);
    expect(during.every((a) => a.state === 'applied')).toBe(true);
  });

  it('never runs more syncs at once than the concurrency bound, and starts queued ones as slots free', async () => {
    const { run, calls } = manualSync();
    const c = coalescer({ run, concurrency: 2 });
    for (const course of [
      'course-v1:O+C1+R',
      'course-v1:O+C2+R',
      'course-v1:O+C3+R',
      'course-v1:O+C4+R',
      'course-v1:O+C5+R',
    ]) {
      c.submit(changed(course), ack());
    }
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(calls.map((x) => x.courseKey)).toEqual(['course-v1:O+C1+R', 'course-v1:O+C2+R']);
    expect(c.stats()).toMatchObject({ inFlight: 2, pendingCourses: 3 });
    calls[1]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(3);
    expect(c.stats().inFlight).toBe(2);
    calls[0]!.resolve();
    calls[2]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((x) => x.courseKey)).toEqual([
      'course-v1:O+C1+R',
      'course-v1:O+C2+R',
      'course-v1:O+C3+R',
      'course-v1:O+C4+R',
      'course-v1:O+C5+R',
    ]);
    expect(run.mock.calls.length).toBe(5);
  });

  it('retries a retryable failure with backoff, acknowledging nothing until it succeeds, while other courses flow', async () => {
    const run = vi.fn(async (courseKey: string, _events: readonly CourseEvent[]) => {
      if (
        courseKey === 'course-v1:Broken+X+R' &&
        run.mock.calls.filter((c) => c[0] === courseKey).length <= 2
      ) {
        throw new RetryableError('LMS answered 503 for course-v1:Broken+X+R');
      }
    });
    const warn = vi.fn();
    const c = coalescer({
      run,
      backoff: { initialMs: 1_000, maxMs: 10_000, multiplier: 2 },
      random: () => 0.999,
      logger: { warn, error: vi.fn(), info: vi.fn(), debug: vi.fn() } as never,
    });
    const broken = ack();
    c.submit(changed('course-v1:Broken+X+R'), broken);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(run).toHaveBeenCalledTimes(1);
    expect(broken.state).toBe('pending');
    expect(c.stats()).toMatchObject({ retrying: 1, pendingEvents: 1 });

    const healthy = ack();
    c.submit(changed('course-v1:Fine+X+R'), healthy);
    const joined = ack();
    c.submit(changed('course-v1:Broken+X+R'), joined);
    await vi.advanceTimersByTimeAsync(999);
    expect(run).toHaveBeenCalledTimes(2);
    expect(run.mock.calls[1]![1]).toHaveLength(2);
    expect(broken.state).toBe('pending');

    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(healthy.state).toBe('applied');
    expect(broken.state).toBe('applied');
    expect(joined.state).toBe('applied');
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls.map((call) => (call[0] as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(c.stats()).toEqual({ pendingCourses: 0, pendingEvents: 0, inFlight: 0, retrying: 0 });
  });

  it('frees the slot while a course backs off, so other courses use it', async () => {
    const run = vi.fn(async (courseKey: string) => {
      if (courseKey === 'course-v1:Broken+X+R') throw new RetryableError('ClickHouse down');
    });
    const c = coalescer({
      run,
      concurrency: 1,
      backoff: { initialMs: 60_000, maxMs: 60_000, multiplier: 1 },
      random: () => 0.99,
    });
    c.submit(changed('course-v1:Broken+X+R'), ack());
    await vi.advanceTimersByTimeAsync(WINDOW);
    const other = ack();
    c.submit(changed('course-v1:Fine+X+R'), other);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(other.state).toBe('applied');
  });

  it('parks a course that keeps failing after its attempt budget: sync-failed with the attempt count', async () => {
    const run = vi.fn().mockRejectedValue(new RetryableError('LMS answered 500 for course-v1:Sick+X+R'));
    const parked = vi.fn();
    const retrying: number[] = [];
    const c = coalescer({
      run,
      backoff: { initialMs: 1_000, maxMs: 1_000, multiplier: 1 },
      budget: { maxAttempts: 3, maxRetryMs: 3_600_000 },
      observer: { courseParked: parked, coursesRetrying: (n) => retrying.push(n) },
    });
    const acks = [ack(), ack()];
    for (const a of acks) c.submit(changed('course-v1:Sick+X+R'), a);
    await vi.advanceTimersByTimeAsync(WINDOW + 2_000);
    expect(run).toHaveBeenCalledTimes(3);
    expect(acks.map((a) => [a.state, a.reason, a.attempts])).toEqual([
      ['dead-lettered', 'sync-failed', 3],
      ['dead-lettered', 'sync-failed', 3],
    ]);
    expect(parked).toHaveBeenCalledTimes(1);
    expect(retrying.at(-1)).toBe(0);
    expect(Math.max(...retrying)).toBe(1);
    await vi.advanceTimersByTimeAsync(WINDOW * 10);
    expect(run).toHaveBeenCalledTimes(3);
    expect(c.stats()).toEqual({ pendingCourses: 0, pendingEvents: 0, inFlight: 0, retrying: 0 });
  });

  it('parks a course that keeps failing once its retry time is spent, whatever the attempts left', async () => {
    const run = vi
      .fn()
      .mockRejectedValue(new RetryableError('ClickHouse timed out writing course-v1:Slow+X+R'));
    const c = coalescer({
      run,
      backoff: { initialMs: 60_000, maxMs: 60_000, multiplier: 1 },
      random: () => 0.999,
      budget: { maxAttempts: 1_000, maxRetryMs: 120_000 },
    });
    const a = ack();
    c.submit(changed('course-v1:Slow+X+R'), a);
    await vi.advanceTimersByTimeAsync(WINDOW + 60_000 * 3);
    expect(a.state).toBe('dead-lettered');
    expect(a.reason).toBe('sync-failed');
    expect(a.attempts).toBe(run.mock.calls.length);
    expect(run.mock.calls.length).toBeLessThanOrEqual(4);
  });

  it('keeps retrying a misconfiguration without counting it against the course, as an alarm until a sync succeeds', async () => {
    let broken = true;
    const run = vi.fn(async () => {
      if (broken)
        throw new RetryableError('LMS unreachable while syncing course-v1:A+B+C', {
          cause: new MisconfigurationError('LMS refused the OAuth client (401); check LMS_OAUTH_CLIENT_ID'),
        });
    });
    const alarms = new Alarms();
    const c = coalescer({
      run,
      backoff: { initialMs: 1_000, maxMs: 1_000, multiplier: 1 },
      budget: { maxAttempts: 2, maxRetryMs: 1_000 },
      alarms,
    });
    const a = ack();
    c.submit(changed('course-v1:A+B+C'), a);
    await vi.advanceTimersByTimeAsync(WINDOW + 10_000);
    expect(run.mock.calls.length).toBeGreaterThan(5);
    expect(a.state).toBe('pending');
    expect(alarms.list().map((x) => x.message)).toEqual([expect.stringContaining('LMS_OAUTH_CLIENT_ID')]);

    broken = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.state).toBe('applied');
    expect(alarms.list()).toEqual([]);
  });

  it('dead-letters every event of a permanently failing sync with the error reason', async () => {
    const err = Object.assign(new PermanentError('LMS says course-v1:Gone+X+R does not exist'), {
      reason: 'course_not_found',
    });
    const run = vi.fn().mockRejectedValue(err);
    const c = coalescer({ run });
    const acks = [ack(), ack()];
    for (const a of acks) c.submit(changed('course-v1:Gone+X+R'), a);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(acks.map((a) => [a.state, a.reason])).toEqual([
      ['dead-lettered', 'course_not_found'],
      ['dead-lettered', 'course_not_found'],
    ]);
    await vi.advanceTimersByTimeAsync(WINDOW * 10);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('passes a CourseDeleted event along with the others to the sync', async () => {
    const run = vi.fn().mockResolvedValue(undefined);
    const c = coalescer({ run });
    c.submit(changed('course-v1:A+B+C'), ack());
    c.submit(deleted('course-v1:A+B+C'), ack());
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect((run.mock.calls[0]![1] as CourseEvent[]).map((e) => e.kind)).toEqual(['changed', 'deleted']);
  });

  it("keeps courses apart: one sync per course with only that course's events", async () => {
    const run = vi.fn().mockResolvedValue(undefined);
    const c = coalescer({ run });
    c.submit(changed('course-v1:A+1+R'), ack());
    c.submit(changed('course-v1:B+1+R'), ack());
    c.submit(changed('course-v1:A+1+R'), ack());
    await vi.advanceTimersByTimeAsync(WINDOW);
    const byCourse = Object.fromEntries(
      run.mock.calls.map((call) => [call[0], (call[1] as CourseEvent[]).length]),
    );
    expect(byCourse).toEqual({ 'course-v1:A+1+R': 2, 'course-v1:B+1+R': 1 });
  });

  describe('drain', () => {
    it('waits for syncs in flight and starts no new ones', async () => {
      const { run, calls } = manualSync();
      const c = coalescer({ run });
      const inFlight = ack();
      c.submit(changed('course-v1:A+1+R'), inFlight);
      await vi.advanceTimersByTimeAsync(WINDOW);
      const waiting = ack();
      c.submit(changed('course-v1:B+1+R'), waiting);
      const drained = c.drain({ graceMs: 10_000 });
      await vi.advanceTimersByTimeAsync(1_000);
      calls[0]!.resolve();
      const result = await drained;
      await vi.advanceTimersByTimeAsync(WINDOW * 2);
      expect(inFlight.state).toBe('applied');
      expect(waiting.state).toBe('pending');
      expect(calls).toHaveLength(1);
      expect(result).toEqual({ abandonedSyncs: 0, unacknowledgedEvents: 1 });
      expect(c.submit(changed('course-v1:C+1+R'), ack())).toBe(false);
    });

    it('abandons syncs still running after the grace period without acknowledging them', async () => {
      const { run, calls } = manualSync();
      const c = coalescer({ run });
      const slow = ack();
      c.submit(changed('course-v1:A+1+R'), slow);
      await vi.advanceTimersByTimeAsync(WINDOW);
      const drained = c.drain({ graceMs: 5_000 });
      await vi.advanceTimersByTimeAsync(5_000);
      expect(await drained).toEqual({ abandonedSyncs: 1, unacknowledgedEvents: 1 });
      calls[0]!.resolve();
      await vi.advanceTimersByTimeAsync(0);
      expect(slow.state).toBe('pending');
    });

    it('does not retry a failed sync once draining', async () => {
      const { run, calls } = manualSync();
      const c = coalescer({ run });
      const a = ack();
      c.submit(changed('course-v1:A+1+R'), a);
      await vi.advanceTimersByTimeAsync(WINDOW);
      const drained = c.drain({ graceMs: 5_000 });
      calls[0]!.reject(new RetryableError('timeout'));
      expect(await drained).toEqual({ abandonedSyncs: 0, unacknowledgedEvents: 1 });
      await vi.advanceTimersByTimeAsync(WINDOW * 10);
      expect(calls).toHaveLength(1);
      expect(a.state).toBe('pending');
    });
  });
});
