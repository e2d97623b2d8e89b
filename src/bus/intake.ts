import type { Alarms } from '../alarms.js';
import { DEFAULT_BACKOFF, retry, sleep, type BackoffPolicy, type Sleep } from '../backoff.js';
import type { BusPosition, CourseEvent } from '../domain/events.js';
import { isRetryable } from '../errors.js';
import type { LogMethods } from '../log.js';
import { deadLetterReason, type Coalescer } from './coalescer.js';
import type { DeadLetterDetails } from './dead-letter.js';
import type { BusObserver } from './observer.js';

/**
 * The part of consuming that does not depend on the transport: a received message is decoded (retried
 * until it decodes or fails for good), dead-lettered when it never will, and otherwise handed to the
 * coalescer, whose verdict the transport then turns into an acknowledgement. Stopping drains the
 * coalescer and waits, within the grace period, for acknowledgements and dead letters under way.
 */

/** Null means an event type this service ignores: the message counts as done at once. */
export type Decode<M> = (message: M) => Promise<CourseEvent | null>;

/** Why a message is dead-lettered instead of applied. */
export interface DeadLetterNote {
  reason: string;
  error: unknown;
  details?: DeadLetterDetails;
}

/** What both transports are configured with. */
export interface IntakeOptions<M> {
  decode: Decode<M>;
  coalescer: Coalescer;
  /** Stop reading when this many messages await their sync. Default 10,000. */
  maxOutstanding?: number;
  /** For decoding (registry outages), acknowledgements and dead letters; attempts are unbounded until stop. */
  retryPolicy?: BackoffPolicy;
  logger?: LogMethods;
  observer?: BusObserver;
  /** Where a message that holds its partition or stream is reported, so /readyz says why it waits. */
  alarms?: Alarms;
  /**
   * Failed tries of one decode (or dead-letter write) before it is alarmed; it is still retried after.
   * Default 5.
   */
  alarmAfterAttempts?: number;
  now?: () => Date;
}

/** What only the transport knows about one message. */
export interface Transport<M> {
  position(message: M): BusPosition;
  /** Fields every log line about the message carries. */
  logFields(message: M): Record<string, unknown>;
  /** Where the message sits for people, and what waits while it does not decode (alarm key and text). */
  describe(message: M): { at: string; waiting: string; holder: string };
  /**
   * Writes the message's dead letter when there is a note, then acknowledges it; retries until it
   * succeeds or `signal` aborts, waiting with `wait`. May finish synchronously when there is nothing to write.
   */
  settle(
    message: M,
    note: DeadLetterNote | undefined,
    signal: AbortSignal,
    wait: Sleep,
  ): void | Promise<void>;
  /** Log lines of the transport's own vocabulary. */
  messages: {
    /** A message that will never decode is being dead-lettered. */
    undecodable: string;
    /** A finished message whose acknowledgement (or dead letter) did not land before stop. */
    unsettled: string;
  };
}

/**
 * `submitted`: the coalescer holds it; `refused`: the coalescer is draining; `settled`: done without a
 * sync (an ignored message's acknowledgement may still be under way); `stopped`: stop cut it short, and it is delivered again after the next start.
 */
export type TakeResult = 'submitted' | 'refused' | 'settled' | 'stopped';

export class BusIntake<M> {
  readonly maxOutstanding: number;
  readonly retryPolicy: BackoffPolicy;
  /** Aborts what the read loop waits on (decode retries, dead letters of undecodable messages), so stop never waits for them. */
  private readonly reading = new AbortController();
  /** Aborts acknowledgements and dead letters of synced events once the grace period is over. */
  private readonly background = new AbortController();
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly options: IntakeOptions<M>,
    private readonly transport: Transport<M>,
  ) {
    this.retryPolicy = { ...(options.retryPolicy ?? DEFAULT_BACKOFF), maxAttempts: undefined };
    this.maxOutstanding = options.maxOutstanding ?? 10_000;
  }

  /** Aborted once stop begins: for the transport's own waits in its read loop. */
  get signal(): AbortSignal {
    return this.reading.signal;
  }

  /**
   * Decodes `message` and submits its event. An undecodable message is dead-lettered before this returns,
   * so what is behind it waits for its dead letter; an ignored one is acknowledged in the background, as a
   * synced one is, so a burst of event types course-sink skips costs the read loop no round trips. `wait` is the sleep between retries. A failure that is not the message's
   * (e.g. a heartbeat that saw a rebalance) is thrown to the transport.
   */
  async take(message: M, wait: Sleep = sleep): Promise<TakeResult> {
    const { logger, observer, coalescer } = this.options;
    let event: CourseEvent | null;
    try {
      event = await this.decode(message, wait);
    } catch (err) {
      if (this.reading.signal.aborted) return 'stopped';
      if (isRetryable(err)) throw err;
      const reason = deadLetterReason(err, 'undecodable');
      observer?.decodeFailed(reason);
      logger?.error(
        { err, ...this.transport.logFields(message), reason },
        this.transport.messages.undecodable,
      );
      return this.settleNow(message, { reason, error: err }, wait);
    }
    if (event === null) {
      this.settleLater(message);
      return 'settled';
    }

    observer?.eventConsumed(event.eventType);
    event.position = this.transport.position(message);
    const accepted = coalescer.submit(event, {
      applied: () => this.settleLater(message),
      deadLettered: (reason, error, details) => this.settleLater(message, { reason, error, details }),
    });
    return accepted ? 'submitted' : 'refused';
  }

  /** Stops decoding: retries and waits of the read loop end at once. */
  stopTaking(): void {
    this.reading.abort(new Error('consumer stopping'));
  }

  /** Lets the coalescer finish and acknowledgements land until `deadline` (epoch ms), then gives up on the rest. */
  async drain(deadline: number): Promise<void> {
    const left = () => Math.max(0, deadline - Date.now());
    await this.options.coalescer.drain({ graceMs: left() });
    await settleWithin(this.settling, left());
    this.background.abort(new Error('consumer stopping'));
  }

  private async decode(message: M, wait: Sleep): Promise<CourseEvent | null> {
    const { alarms, logger } = this.options;
    // A decode that keeps failing holds what is behind it: that is said in /readyz, not only in logs.
    const { at, waiting, holder } = this.transport.describe(message);
    const alarmKey = `decode:${holder}`;
    let alarmed = false;
    try {
      return await retry(() => this.options.decode(message), this.retryPolicy, {
        isRetryable,
        signal: this.reading.signal,
        sleep: wait,
        onRetry: (err, attempt, delayMs) => {
          logger?.warn(
            { err, ...this.transport.logFields(message), attempt, delayMs },
            'decoding failed, will retry',
          );
          if (attempt >= (this.options.alarmAfterAttempts ?? 5) && !alarmed) {
            alarmed = true;
            alarms?.raise(
              alarmKey,
              `decoding ${at} keeps failing, ${waiting} waits: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        },
      });
    } finally {
      if (alarmed) alarms?.clear(alarmKey);
    }
  }

  /** Settles a message the read loop is still on: it waits for it, and stop abandons it (it is read again). */
  private async settleNow(message: M, note: DeadLetterNote, wait: Sleep): Promise<TakeResult> {
    try {
      await this.transport.settle(message, note, this.reading.signal, wait);
    } catch (err) {
      if (this.reading.signal.aborted) return 'stopped';
      throw err;
    }
    return 'settled';
  }

  /** Settles a synced message in the background; stop waits for it within its grace period. */
  private settleLater(message: M, note?: DeadLetterNote): void {
    const settling = this.transport.settle(message, note, this.background.signal, sleep);
    if (!settling) return;
    const tracked = settling
      .catch((err: unknown) => {
        this.options.logger?.warn(
          { err, ...this.transport.logFields(message) },
          this.transport.messages.unsettled,
        );
      })
      .finally(() => this.settling.delete(tracked));
    this.settling.add(tracked);
  }
}

/** Waits for `pending` to settle, but no longer than `graceMs`. */
export async function settleWithin(pending: Iterable<Promise<unknown>>, graceMs: number): Promise<void> {
  const all = [...pending];
  if (all.length === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled(all),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
  ]);
  clearTimeout(timer);
}
