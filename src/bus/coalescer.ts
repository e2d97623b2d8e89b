import type { LogMethods } from '../log.js';
import type { Alarms } from '../alarms.js';
import { findMisconfiguration, isRetryable } from '../errors.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../backoff.js';
import type { CourseEvent } from '../domain/events.js';
import type { BusObserver } from './observer.js';

/**
 * Turns a stream of course events into as few syncs as possible without losing any: per course,
 * events wait out a debounce window (restarted by each new event, but never longer than a maximum
 * wait so a course edited non-stop still syncs), at most one sync runs per course, and at most
 * `concurrency` run at all. Every event is acknowledged exactly once, after the sync that covered it
 * succeeded (applied) or failed permanently (dead-lettered); a retryable failure acknowledges nothing
 * and retries with backoff, taking along whatever arrived meanwhile.
 *
 * The coalescer owns the per-course retry budget: the stores' adapters retry a single request a few
 * times, and a sync that still fails is retried here, up to `budget`, then parked (its events are
 * dead-lettered as `sync-failed` and the partition moves on). A misconfiguration (credentials, grants)
 * fails every course alike: it is retried without budget and raised as an alarm instead.
 */

/** How the transport learns an event is finished, so it can commit or acknowledge it. */
export interface EventAck {
  applied(): void;
  deadLettered(reason: string, err: unknown, details?: { attempts?: number }): void;
}

/** The per-course sync. A `CourseDeleted` among the events is passed along for it to decide. */
export type SyncCourse = (courseKey: string, events: readonly CourseEvent[]) => Promise<void>;

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Looks the globals up on each call, so fake timers installed later (tests) are honoured. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface SyncOutcome {
  courseKey: string;
  events: number;
  durationMs: number;
  outcome: 'applied' | 'retrying' | 'dead-lettered' | 'parked' | 'abandoned';
}

/** When a course whose sync keeps failing is given up on: attempts in total, and time since the first failure. */
export interface SyncBudget {
  maxAttempts: number;
  maxRetryMs: number;
}

export interface CoalescerOptions {
  run: SyncCourse;
  /** Quiet period after the latest event before a course syncs. */
  debounceMs: number;
  /** Longest a pending event waits for its sync to start, however often the window restarts; default 5 × debounceMs. */
  maxWaitMs?: number;
  /** Syncs in flight across all courses. */
  concurrency: number;
  /** Delays between retries of a failed sync; how many there are is `budget`'s to say. */
  backoff?: BackoffPolicy;
  /** Unset: a retryable failure is retried until it succeeds. */
  budget?: SyncBudget;
  /** Where a misconfiguration is reported while its syncs wait. */
  alarms?: Alarms;
  observer?: Pick<BusObserver, 'coursesRetrying' | 'courseParked'>;
  random?: () => number;
  timers?: Timers;
  logger?: LogMethods;
  onSyncFinished?: (result: SyncOutcome) => void;
}

export interface CoalescerStats {
  /** Courses with events waiting for a sync (debouncing, queued for a slot, or backing off). */
  pendingCourses: number;
  pendingEvents: number;
  inFlight: number;
  /** Courses waiting to retry after a retryable failure. */
  retrying: number;
}

export interface DrainResult {
  /** Syncs still running when the grace period ended; their events were not acknowledged. */
  abandonedSyncs: number;
  /** Events never acknowledged: the transport will deliver them again after a restart. */
  unacknowledgedEvents: number;
}

interface Submission {
  event: CourseEvent;
  ack: EventAck;
}

interface CourseState {
  courseKey: string;
  pending: Submission[];
  firstPendingAt?: number;
  /** The debounce or retry timer. */
  timer?: unknown;
  /** The window closed: sync as soon as a slot is free and no sync of this course runs. */
  due: boolean;
  queued: boolean;
  running?: Submission[];
  /** Waiting out a retry delay; new events join the retry instead of restarting a window. */
  backingOff: boolean;
  failedAttempts: number;
  /** When the first of the failures counted in `failedAttempts` happened. */
  firstFailedAt?: number;
  /** Failures from misconfiguration in a row: they space the retries but are not the course's fault. */
  misconfiguredAttempts: number;
}

const MISCONFIGURED = 'sync-misconfiguration';

export class Coalescer {
  private readonly courses = new Map<string, CourseState>();
  private readonly ready: CourseState[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Syncs holding a slot; counted apart from `inFlight` because a slot frees before its promise settles. */
  private active = 0;
  private readonly timers: Timers;
  private readonly maxWaitMs: number;
  private readonly backoff: BackoffPolicy;
  private draining = false;
  /** Set once drain gave up on the syncs still running: their late results must not acknowledge anything. */
  private abandoned = false;

  constructor(private readonly options: CoalescerOptions) {
    if (options.concurrency < 1)
      throw new RangeError(`coalescer concurrency must be at least 1, got ${options.concurrency}`);
    this.timers = options.timers ?? realTimers;
    this.maxWaitMs = options.maxWaitMs ?? options.debounceMs * 5;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** Queues an event for its course's next sync. Returns false, acknowledging nothing, once draining. */
  submit(event: CourseEvent, ack: EventAck): boolean {
    if (this.draining) return false;
    let state = this.courses.get(event.courseKey);
    if (!state) {
      state = {
        courseKey: event.courseKey,
        pending: [],
        due: false,
        queued: false,
        backingOff: false,
        failedAttempts: 0,
        misconfiguredAttempts: 0,
      };
      this.courses.set(event.courseKey, state);
    }
    const now = this.timers.now();
    state.pending.push({ event, ack });
    state.firstPendingAt ??= now;
    if (state.backingOff || state.due) return true;
    const deadline = Math.min(now + this.options.debounceMs, state.firstPendingAt + this.maxWaitMs);
    this.setTimer(state, Math.max(0, deadline - now));
    return true;
  }

  stats(): CoalescerStats {
    let pendingCourses = 0;
    let pendingEvents = 0;
    let retrying = 0;
    for (const state of this.courses.values()) {
      if (state.pending.length > 0) pendingCourses++;
      pendingEvents += state.pending.length;
      if (state.backingOff) retrying++;
    }
    return { pendingCourses, pendingEvents, inFlight: this.active, retrying };
  }

  /**
   * Stops starting syncs, waits up to `graceMs` for those in flight, then gives up on the rest.
   * Events not covered by a finished sync stay unacknowledged, so the transport redelivers them.
   */
  async drain({ graceMs }: { graceMs: number }): Promise<DrainResult> {
    this.draining = true;
    for (const state of this.courses.values()) this.clearTimer(state);
    this.ready.length = 0;
    if (this.inFlight.size > 0) {
      let graceTimer: unknown;
      const graceOver = new Promise<void>((resolve) => {
        graceTimer = this.timers.setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.allSettled([...this.inFlight]), graceOver]);
      this.timers.clearTimeout(graceTimer);
    }
    this.abandoned = true;
    let unacknowledgedEvents = 0;
    for (const state of this.courses.values())
      unacknowledgedEvents += state.pending.length + (state.running?.length ?? 0);
    const result = { abandonedSyncs: this.active, unacknowledgedEvents };
    if (unacknowledgedEvents > 0) {
      this.options.logger?.warn(
        result,
        'stopped with unacknowledged course events; they will be delivered again on restart',
      );
    }
    return result;
  }

  private setTimer(state: CourseState, ms: number): void {
    this.clearTimer(state);
    state.timer = this.timers.setTimeout(() => this.onDue(state), ms);
  }

  private clearTimer(state: CourseState): void {
    if (state.timer !== undefined) this.timers.clearTimeout(state.timer);
    state.timer = undefined;
  }

  private onDue(state: CourseState): void {
    state.timer = undefined;
    if (state.backingOff) {
      state.backingOff = false;
      this.reportRetrying();
    }
    state.due = true;
    if (state.running || state.queued || this.draining) return;
    state.queued = true;
    this.ready.push(state);
    this.pump();
  }

  private pump(): void {
    while (!this.draining && this.active < this.options.concurrency) {
      const state = this.ready.shift();
      if (!state) return;
      state.queued = false;
      this.start(state);
    }
  }

  private start(state: CourseState): void {
    const batch = state.pending;
    state.pending = [];
    state.firstPendingAt = undefined;
    state.due = false;
    state.running = batch;
    this.active++;
    const startedAt = this.timers.now();
    const events = batch.map((s) => s.event);
    const sync = this.runSafely(state.courseKey, events).then(
      () => this.finish(state, batch, startedAt, undefined),
      (err: unknown) =>
        this.finish(state, batch, startedAt, err ?? new Error('sync failed without an error')),
    );
    const tracked = sync.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** A sync that throws synchronously is treated like one that rejects. */
  private async runSafely(courseKey: string, events: readonly CourseEvent[]): Promise<void> {
    await this.options.run(courseKey, events);
  }

  private finish(state: CourseState, batch: Submission[], startedAt: number, err: unknown): void {
    state.running = undefined;
    this.active--;
    const now = this.timers.now();
    const durationMs = now - startedAt;
    const log = { courseKey: state.courseKey, events: batch.length, durationMs };
    let outcome: SyncOutcome['outcome'];
    if (this.abandoned) {
      outcome = 'abandoned';
    } else if (err === undefined) {
      outcome = 'applied';
      this.resetFailures(state);
      this.options.alarms?.clear(MISCONFIGURED);
      for (const s of batch) this.acknowledge(state, () => s.ack.applied());
    } else if (isRetryable(err) && findMisconfiguration(err)) {
      outcome = 'retrying';
      state.misconfiguredAttempts++;
      this.options.alarms?.raise(
        MISCONFIGURED,
        `course syncs wait for the deployment to be fixed (${state.courseKey} last): ${findMisconfiguration(err)!.message}`,
      );
      this.retryLater(state, batch, startedAt, state.misconfiguredAttempts, log, err);
    } else if (isRetryable(err)) {
      state.failedAttempts++;
      state.firstFailedAt ??= startedAt;
      const budget = this.options.budget;
      const spentMs = now - state.firstFailedAt;
      if (budget && (state.failedAttempts >= budget.maxAttempts || spentMs >= budget.maxRetryMs)) {
        outcome = 'parked';
        const attempts = state.failedAttempts;
        this.resetFailures(state);
        this.options.logger?.error(
          { ...log, attempts, spentMs, err },
          `course ${state.courseKey} failed ${attempts} sync attempt(s) over ${Math.round(spentMs / 1000)} s; ` +
            'parking it: its events go to the dead-letter topic as sync-failed (replay them with `course-sink dlq replay` once the cause is fixed)',
        );
        this.options.observer?.courseParked?.();
        for (const s of batch)
          this.acknowledge(state, () => s.ack.deadLettered('sync-failed', err, { attempts }));
      } else {
        outcome = 'retrying';
        this.retryLater(state, batch, startedAt, state.failedAttempts, log, err);
      }
    } else {
      outcome = 'dead-lettered';
      this.resetFailures(state);
      const reason = deadLetterReason(err, 'sync-failed');
      this.options.logger?.error(
        { ...log, reason, err },
        'course sync failed permanently; its events go to the dead-letter topic',
      );
      for (const s of batch) this.acknowledge(state, () => s.ack.deadLettered(reason, err));
    }
    this.options.onSyncFinished?.({ courseKey: state.courseKey, events: batch.length, durationMs, outcome });
    if (state.pending.length === 0 && state.timer === undefined && !state.due)
      this.courses.delete(state.courseKey);
    else if (state.due && !this.draining) this.onDue(state);
    this.reportRetrying();
    this.pump();
  }

  /** Puts the batch back in front of what arrived meanwhile and waits out the backoff for `attempt`. */
  private retryLater(
    state: CourseState,
    batch: Submission[],
    startedAt: number,
    attempt: number,
    log: Record<string, unknown>,
    err: unknown,
  ): void {
    state.pending = batch.concat(state.pending);
    state.firstPendingAt = startedAt;
    if (this.draining) return;
    const delayMs = backoffDelay(this.backoff, attempt, this.options.random);
    this.options.logger?.warn(
      { ...log, attempt, retryInMs: delayMs, err },
      'course sync failed, will retry; nothing is acknowledged until it succeeds',
    );
    state.due = false;
    state.backingOff = true;
    this.setTimer(state, delayMs);
  }

  private resetFailures(state: CourseState): void {
    state.failedAttempts = 0;
    state.firstFailedAt = undefined;
    state.misconfiguredAttempts = 0;
  }

  private reportRetrying(): void {
    if (this.options.observer?.coursesRetrying) this.options.observer.coursesRetrying(this.stats().retrying);
  }

  private acknowledge(state: CourseState, ack: () => void): void {
    try {
      ack();
    } catch (err) {
      this.options.logger?.error({ courseKey: state.courseKey, err }, 'acknowledging a course event failed');
    }
  }
}

/** A permanent error may carry a machine-readable `reason` (e.g. a DecodeError's); otherwise `fallback`. */
export function deadLetterReason(err: unknown, fallback: string): string {
  const reason = (err as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' && reason !== '' ? reason : fallback;
}
