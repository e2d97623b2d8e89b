import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { Alarms } from '../../alarms.js';
import { retry, type BackoffPolicy, type Sleep } from '../../backoff.js';
import type { LogMethods } from '../../log.js';
import { deadLetterSize, fitDeadLetter, type BuildDeadLetter } from '../dead-letter.js';
import type { DeadLetterNote } from '../intake.js';
import type { ReceivedMessage } from '../message.js';
import type { BusObserver } from '../observer.js';
import { deadLetterTopic } from '../topics.js';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, readMaxMessageBytes } from './limits.js';

/**
 * Writes dead letters to `{topic}{dlqSuffix}`. A dead letter must land, or its partition can never
 * commit past it: it is cut to what the topic accepts, aimed lower when the broker still refuses it,
 * and a broker that keeps refusing is alarmed and counted rather than left to the logs.
 */

export interface KafkaDeadLettersOptions {
  kafka: Kafka;
  dlqSuffix: string;
  buildDeadLetter: BuildDeadLetter;
  /** Asked for each dead-letter topic's max.message.bytes; shared with the group's lag queries. */
  admin: () => Promise<Admin>;
  retryPolicy: BackoffPolicy;
  alarmAfterAttempts?: number;
  logger?: LogMethods;
  observer?: BusObserver;
  alarms?: Alarms;
  now?: () => Date;
}

export class KafkaDeadLetters {
  private producer?: Producer;
  /** Per dead-letter topic, the largest record its broker takes, read from the topic or broker config. */
  private readonly messageLimits = new Map<string, number>();

  constructor(private readonly options: KafkaDeadLettersOptions) {}

  async connect(): Promise<void> {
    // Java's murmur2 partitioner, chosen explicitly so kafkajs does not warn about its v2 default change.
    this.producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
  }

  /**
   * Produces the dead letter and waits for the broker's acknowledgement, retrying until it lands or
   * `signal` aborts; `wait` is the sleep between tries.
   */
  async send(
    raw: ReceivedMessage,
    { reason, error, details }: DeadLetterNote,
    signal: AbortSignal,
    wait: Sleep,
  ): Promise<void> {
    const { observer, alarms, logger } = this.options;
    const dlqTopic = deadLetterTopic(raw.topic, this.options.dlqSuffix);
    const full = this.options.buildDeadLetter(
      raw,
      reason,
      error,
      this.options.now?.() ?? new Date(),
      details,
    );
    const alarmKey = `dead-letter:${dlqTopic}`;
    const alarmAfter = this.options.alarmAfterAttempts ?? 5;
    // Asking the broker must not outlast a stop either.
    let limit = await untilAborted(this.maxMessageBytes(dlqTopic), signal);
    let alarmed = false;
    await retry(
      async () => {
        if (!this.producer) throw new Error('dead-letter producer not started');
        const record = fitDeadLetter(full, limit);
        try {
          await this.producer.send({ topic: dlqTopic, acks: -1, messages: [record] });
        } catch (err) {
          // The broker's real limit is below what its config said (e.g. a proxy): aim lower next time.
          if (isMessageTooLarge(err)) limit = Math.floor(Math.min(limit, deadLetterSize(record)) / 2);
          throw err;
        }
        observer?.deadLettered(reason);
        if (alarmed) alarms?.clear(alarmKey);
      },
      this.options.retryPolicy,
      {
        isRetryable: () => true,
        signal,
        sleep: wait,
        onRetry: (err, attempt, delayMs) => {
          const advice = `writing to dead-letter topic ${dlqTopic} failed; check that it exists and this service may write to it`;
          logger?.warn(
            { err, dlqTopic, offset: raw.offset, partition: raw.partition, attempt, delayMs },
            `${advice}; will retry`,
          );
          if (attempt >= alarmAfter && !alarmed) {
            alarmed = true;
            observer?.deadLetterFailed?.(dlqTopic);
            alarms?.raise(
              alarmKey,
              `${advice}: ${raw.topic}[${raw.partition}]@${raw.offset} waits (${err instanceof Error ? err.message : String(err)})`,
            );
          }
        },
      },
    );
  }

  private async maxMessageBytes(topic: string): Promise<number> {
    const known = this.messageLimits.get(topic);
    if (known !== undefined) return known;
    try {
      const limit = await readMaxMessageBytes(await this.options.admin(), topic);
      this.messageLimits.set(topic, limit);
      return limit;
    } catch (err) {
      this.options.logger?.warn(
        { err, topic },
        `could not read max.message.bytes of ${topic}; assuming Kafka's default until the broker answers`,
      );
      return KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    }
  }
}

/** `promise`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

/** kafkajs wraps the broker's refusal (a protocol error of that type) in the error of its retrier. */
function isMessageTooLarge(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') return true;
  }
  return false;
}
