/**
 * The bus's port to metrics: the intake, the transports and the coalescer report through it, so the
 * bus never imports the metrics registry.
 */

/** What the transports report as messages flow, for metrics; every method is cheap and must not throw. */
export interface BusObserver {
  eventConsumed(eventType: string): void;
  decodeFailed(reason: string): void;
  deadLettered(reason: string): void;
  /** A dead letter the broker kept refusing: its partition waits until the cause is fixed. */
  deadLetterFailed?(topic: string): void;
  /** Courses whose sync failed retryably and that wait for their next attempt. */
  coursesRetrying?(count: number): void;
  /** A course whose sync used up its retry budget: its events were dead-lettered (`sync-failed`). */
  courseParked?(): void;
}
