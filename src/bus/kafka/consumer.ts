import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { sleep, type Sleep } from '../../backoff.js';
import type { BuildDeadLetter } from '../dead-letter.js';
import { BusIntake, type Decode, type IntakeOptions } from '../intake.js';
import type { ReceivedMessage } from '../message.js';
import type { BusConsumer, BusHealth, PartitionLag, StartPosition } from '../types.js';
import { KafkaDeadLetters } from './dead-letters.js';
import { KafkaGroup } from './group.js';
import { OffsetCommitter, OffsetTracker } from './offsets.js';

/**
 * The Kafka transport's runner: a kafkajs consumer group with auto-commit off, feeding each message to
 * the intake without waiting for its sync, so the member keeps heartbeating while syncs run, and pausing
 * fetches while too many wait. A message's offset is committed only once it was applied or
 * dead-lettered. Unlike Open edX's Python consumer, which commits failed messages too and starts new
 * groups at the latest offset, nothing here is committed before it is done, and a new group reads from
 * the earliest retained offset by default so events produced before the first start are not lost.
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

export class KafkaBusConsumer implements BusConsumer {
  private readonly offsets = new OffsetTracker();
  private readonly committer: OffsetCommitter;
  private readonly group: KafkaGroup;
  private readonly deadLetters: KafkaDeadLetters;
  private readonly intake: BusIntake<ReceivedMessage>;
  private consumer?: Consumer;
  /** consumer.run() has returned: kafkajs refuses pause() before that. */
  private running = false;
  private paused = false;
  private stopping = false;

  constructor(private readonly options: KafkaBusConsumerOptions) {
    this.committer = new OffsetCommitter(this.offsets, options.logger);
    this.group = new KafkaGroup(options);
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
          ? this.deadLetters.send(message, note, signal, wait).then(() => this.finished(message))
          : this.finished(message),
      messages: {
        undecodable: 'undecodable message; sending it to the dead-letter topic',
        unsettled: 'dead letter not written before stop; the message will be delivered again',
      },
    });
    this.deadLetters = new KafkaDeadLetters({
      ...options,
      retryPolicy: this.intake.retryPolicy,
      admin: () => this.group.adminClient(),
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
    this.consumer = consumer;
    this.committer.use(consumer);
    this.group.watch(consumer, {
      joined: () => {
        // kafkajs restarts every assigned partition from its committed offset after a join, so all
        // uncommitted state is redelivered: drop it, and commit nothing for partitions now owned by others.
        this.offsets.revokeAll();
        if (this.paused) this.pauseAll();
      },
      // The generation is still valid while the group prepares to rebalance: save finished work now.
      rebalancing: () => void this.committer.commit(),
    });

    await this.deadLetters.connect();
    await this.group.waitForTopics(this.intake.signal);
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
    this.committer.startTimer(this.options.commitIntervalMs ?? 1_000);
  }

  async stop(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.group.leave();
    const deadline = Date.now() + graceMs;
    this.intake.stopTaking();
    // Pausing rather than consumer.stop(): kafkajs silently drops commitOffsets once its runner stopped.
    if (this.running) this.pauseAll();
    await this.intake.drain(deadline);
    await this.committer.stop();
    await this.consumer?.disconnect();
    await this.deadLetters.disconnect();
    await this.group.close();
  }

  health(): BusHealth {
    return {
      joined: this.group.joined,
      paused: this.paused,
      outstanding: this.offsets.outstanding(),
      coalescer: this.options.coalescer.stats(),
    };
  }

  lag(): Promise<PartitionLag[]> {
    return this.group.lag();
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
}
