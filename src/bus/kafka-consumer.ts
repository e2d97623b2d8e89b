import {
  Partitioners,
  type Admin,
  type Consumer,
  type EachMessagePayload,
  type Kafka,
  type Producer,
} from 'kafkajs';
import { retry, sleep, type Sleep } from '../backoff.js';
import { deadLetterSize, fitDeadLetter, type BuildDeadLetter } from './dead-letter.js';
import { BusIntake, type Decode, type DeadLetterNote, type IntakeOptions } from './intake.js';
import type { ReceivedMessage } from './message.js';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, readMaxMessageBytes } from './kafka-limits.js';
import type { BusConsumer, BusHealth, PartitionLag, StartPosition } from './types.js';
import { OffsetTracker } from './offsets.js';
import { deadLetterTopic } from './topics.js';

/**
 * The Kafka transport: a kafkajs consumer group with auto-commit off. Each message is decoded and handed
 * to the coalescer without waiting for its sync, so the member keeps heartbeating while syncs run; its
 * offset is committed (periodically and on stop) only once the message was applied or dead-lettered.
 * Unlike Open edX's Python consumer, which commits failed messages too and starts new groups at the
 * latest offset, nothing here is committed before it is done, and a new group reads from the earliest
 * retained offset by default so events produced before the first start are not lost.
 */

export type DecodeKafkaMessage = Decode<ReceivedMessage>;

export interface KafkaBusConsumerOptions extends IntakeOptions<ReceivedMessage> {
  kafka: Kafka;
  groupId: string;
  /** Full topic names, prefix included. */
  topics: readonly string[];
  dlqSuffix: string;
  buildDeadLetter: BuildDeadLetter;
  /** Default 'earliest': a sink that must not lose data reads what was produced before its first start. */
  startPosition?: StartPosition;
  commitIntervalMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for data; stop() waits for the fetch in progress, so this bounds shutdown. */
  maxWaitTimeMs?: number;
  /** The consumer stopped for good on its own (kafkajs will not restart it). */
  onFatal?: (err: unknown) => void;
}

const TOPIC_POLL_MS = 5_000;

export class KafkaBusConsumer implements BusConsumer {
  private readonly offsets = new OffsetTracker();
  private consumer?: Consumer;
  private producer?: Producer;
  private admin?: Promise<Admin>;
  private joined = false;
  /** consumer.run() has returned: kafkajs refuses pause() before that. */
  private running = false;
  private paused = false;
  private stopping = false;
  private commitTimer?: ReturnType<typeof setInterval>;
  private committing?: Promise<void>;
  private readonly intake: BusIntake<ReceivedMessage>;
  /** Per dead-letter topic, the largest record its broker takes, read from the topic or broker config. */
  private readonly messageLimits = new Map<string, number>();

  constructor(private readonly options: KafkaBusConsumerOptions) {
    this.intake = new BusIntake(options, {
      position: ({ topic, partition, offset }) => ({ topic, partition, offset }),
      logFields: ({ topic, partition, offset }) => ({ topic, partition, offset }),
      describe: ({ topic, partition, offset }) => ({
        at: `${topic}[${partition}]@${offset}`,
        waiting: 'the partition',
        holder: `${topic}[${partition}]`,
      }),
      settle: (message, note, signal, wait) =>
        note
          ? this.deadLetter(message, note, signal, wait).then(() => this.finished(message))
          : this.finished(message),
      messages: {
        undecodable: 'undecodable message; sending it to the dead-letter topic',
        unsettled: 'dead letter not written before stop; the message will be delivered again',
      },
    });
  }

  async start(): Promise<void> {
    const { kafka, groupId, topics } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3_000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 1_000,
    });
    // Java's murmur2 partitioner, chosen explicitly so kafkajs does not warn about its v2 default change.
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.consumer = consumer;
    this.producer = producer;
    this.watchGroupMembership(consumer);

    await producer.connect();
    await this.waitForTopics();
    if (this.stopping) return;
    await consumer.connect();
    await consumer.subscribe({
      topics: [...topics],
      fromBeginning: (this.options.startPosition ?? 'earliest') === 'earliest',
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: (payload) => this.handle(payload),
    });
    this.running = true;
    this.commitTimer = setInterval(() => void this.commit(), this.options.commitIntervalMs ?? 1_000);
    this.commitTimer.unref();
  }

  /**
   * Studio's topics appear with the first publish (or when an operator creates them). Until then the
   * consumer waits, not ready, instead of crash-looping; stop() ends the wait.
   */
  private async waitForTopics(): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      let lastWarning = 0;
      for (;;) {
        const existing = new Set(await admin.listTopics());
        const missing = this.options.topics.filter((t) => !existing.has(t));
        if (missing.length === 0) return;
        if (Date.now() - lastWarning >= 60_000) {
          lastWarning = Date.now();
          this.options.logger?.warn(
            { missing },
            'waiting for the event bus topics to exist; Studio creates them on first publish, or create them with as many partitions as consumers you plan',
          );
        }
        await sleep(TOPIC_POLL_MS, this.intake.signal);
      }
    } finally {
      await admin.disconnect();
    }
  }

  async stop(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const deadline = Date.now() + graceMs;
    this.intake.stopTaking();
    // Pausing rather than consumer.stop(): kafkajs silently drops commitOffsets once its runner stopped.
    if (this.running) this.consumer?.pause(this.options.topics.map((topic) => ({ topic })));
    await this.intake.drain(deadline);
    if (this.commitTimer) clearInterval(this.commitTimer);
    await this.commit();
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await (await this.admin?.catch(() => undefined))?.disconnect();
    this.joined = false;
  }

  health(): BusHealth {
    return {
      joined: this.joined,
      paused: this.paused,
      outstanding: this.offsets.outstanding(),
      coalescer: this.options.coalescer.stats(),
    };
  }

  isJoined(): boolean {
    return this.joined;
  }

  /** One admin client for lag scrapes and config lookups, created once even when callers overlap. */
  private adminClient(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.options.kafka.admin();
      await admin.connect();
      return admin;
    })();
    this.admin.catch(() => (this.admin = undefined));
    return this.admin;
  }

  async lag(): Promise<PartitionLag[]> {
    if (this.stopping) return [];
    const admin = await this.adminClient();
    const topics = [...this.options.topics];
    const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics });
    const out: PartitionLag[] = [];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const group = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        const mine = group.find((p) => p.partition === end.partition)?.offset;
        const hasCommit = mine !== undefined && BigInt(mine) >= 0n;
        const from = hasCommit ? BigInt(mine) : BigInt(end.low);
        out.push({
          topic,
          partition: end.partition,
          committed: hasCommit ? mine : null,
          highWatermark: end.high,
          lag: Number(BigInt(end.high) - from),
        });
      }
    }
    return out;
  }

  /** Commits every partition's finished prefix; a failure is logged and retried on the next tick. */
  commit(): Promise<void> {
    this.committing ??= this.commitOnce().finally(() => {
      this.committing = undefined;
    });
    return this.committing;
  }

  private async commitOnce(): Promise<void> {
    const offsets = this.offsets.committable();
    if (offsets.length === 0 || !this.consumer) return;
    try {
      await this.consumer.commitOffsets(offsets);
      this.offsets.markCommitted(offsets);
      this.options.logger?.debug({ offsets }, 'committed offsets');
    } catch (err) {
      this.options.logger?.warn({ err, offsets }, 'committing offsets failed; will try again');
    }
  }

  private watchGroupMembership(consumer: Consumer): void {
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      // kafkajs restarts every assigned partition from its committed offset after a join, so all
      // uncommitted state is redelivered: drop it, and commit nothing for partitions now owned by others.
      this.offsets.revokeAll();
      this.joined = true;
      this.options.logger?.info({ assignment: payload.memberAssignment }, 'joined consumer group');
      if (this.paused) this.pauseAll();
    });
    consumer.on(events.REBALANCING, () => {
      this.joined = false;
      // The generation is still valid while the group prepares to rebalance: save finished work now.
      void this.commit();
    });
    consumer.on(events.CRASH, ({ payload }) => {
      this.joined = false;
      this.options.logger?.error({ err: payload.error, restart: payload.restart }, 'kafka consumer crashed');
      // kafkajs gave up: nothing consumes any more, so the process must end for its supervisor to restart it.
      if (!payload.restart && !this.stopping) this.options.onFatal?.(payload.error);
    });
    consumer.on(events.STOP, () => {
      this.joined = false;
    });
  }

  private async handle({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    if (this.stopping) return;
    const raw: ReceivedMessage = {
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
      timestamp: message.timestamp,
    };
    this.offsets.received(topic, partition, message.offset);
    // Waits between retries heartbeat first, so a long registry outage does not cost the assignment.
    const heartbeatingSleep: Sleep = async (ms, signal) => {
      await heartbeat();
      await sleep(ms, signal);
    };
    const taken = await this.intake.take(raw, heartbeatingSleep);
    if (taken === 'submitted' && this.offsets.outstanding() >= this.intake.maxOutstanding && !this.paused) {
      this.options.logger?.warn(
        { outstanding: this.offsets.outstanding() },
        'too many events awaiting their sync; pausing fetches',
      );
      this.paused = true;
      this.pauseAll();
    }
  }

  private finished({ topic, partition, offset }: ReceivedMessage): void {
    this.offsets.done(topic, partition, offset);
    this.relieveBackpressure();
  }

  private pauseAll(): void {
    this.consumer?.pause(this.options.topics.map((topic) => ({ topic })));
  }

  private relieveBackpressure(): void {
    if (!this.paused || this.stopping || this.offsets.outstanding() > this.intake.maxOutstanding / 2) return;
    this.paused = false;
    this.consumer?.resume(this.options.topics.map((topic) => ({ topic })));
    this.options.logger?.info({ outstanding: this.offsets.outstanding() }, 'resuming fetches');
  }

  /**
   * Produces the dead letter and waits for the broker's acknowledgement, retrying until it lands or
   * `signal` aborts. It is cut to what the dead-letter topic accepts first, so only a broker that is
   * down or refuses us can hold it up; that is alarmed and counted, never silent.
   */
  private async deadLetter(
    raw: ReceivedMessage,
    { reason, error, details }: DeadLetterNote,
    signal: AbortSignal,
    wait: Sleep,
  ): Promise<void> {
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
        this.options.observer?.deadLettered(reason);
        if (alarmed) this.options.alarms?.clear(alarmKey);
      },
      this.intake.retryPolicy,
      {
        isRetryable: () => true,
        signal,
        sleep: wait,
        onRetry: (err, attempt, delayMs) => {
          const advice = `writing to dead-letter topic ${dlqTopic} failed; check that it exists and this service may write to it`;
          this.options.logger?.warn(
            { err, dlqTopic, offset: raw.offset, partition: raw.partition, attempt, delayMs },
            `${advice}; will retry`,
          );
          if (attempt >= alarmAfter && !alarmed) {
            alarmed = true;
            this.options.observer?.deadLetterFailed?.(dlqTopic);
            this.options.alarms?.raise(
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
      const limit = await readMaxMessageBytes(await this.adminClient(), topic);
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
