import type { Admin, Consumer, Kafka } from 'kafkajs';
import { sleep } from '../../backoff.js';
import type { LogMethods } from '../../log.js';
import type { PartitionLag } from '../types.js';

/**
 * The consumer group as the broker sees it: whether this member holds an assignment, what kafkajs
 * says as the group joins, rebalances and crashes, whether the topics exist yet, and how far behind
 * the group's commits are.
 */

export interface KafkaGroupOptions {
  kafka: Kafka;
  groupId: string;
  /** Full topic names, prefix included. */
  topics: readonly string[];
  logger?: LogMethods;
  /** The consumer stopped for good on its own (kafkajs will not restart it). */
  onFatal?: (err: unknown) => void;
}

/** What the runner does when membership changes. */
export interface GroupHooks {
  /** A (re)join: every assigned partition restarts from its committed offset. */
  joined(): void;
  /** The group is about to rebalance while this member's generation is still valid. */
  rebalancing(): void;
}

const TOPIC_POLL_MS = 5_000;

export class KafkaGroup {
  private member = false;
  private leaving = false;
  private admin?: Promise<Admin>;

  constructor(private readonly options: KafkaGroupOptions) {}

  get joined(): boolean {
    return this.member;
  }

  watch(consumer: Consumer, hooks: GroupHooks): void {
    const { events } = consumer;
    const { logger } = this.options;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.member = true;
      logger?.info({ assignment: payload.memberAssignment }, 'joined consumer group');
      hooks.joined();
    });
    consumer.on(events.REBALANCING, () => {
      this.member = false;
      hooks.rebalancing();
    });
    consumer.on(events.CRASH, ({ payload }) => {
      this.member = false;
      logger?.error({ err: payload.error, restart: payload.restart }, 'kafka consumer crashed');
      // kafkajs gave up: nothing consumes any more, so the process must end for its supervisor to restart it.
      if (!payload.restart && !this.leaving) this.options.onFatal?.(payload.error);
    });
    consumer.on(events.STOP, () => {
      this.member = false;
    });
  }

  /**
   * Studio's topics appear with the first publish (or when an operator creates them). Until then the
   * consumer waits, not ready, instead of crash-looping; aborting `signal` ends the wait.
   */
  async waitForTopics(signal: AbortSignal): Promise<void> {
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
        await sleep(TOPIC_POLL_MS, signal);
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** One admin client for lag scrapes and config lookups, created once even when callers overlap. */
  adminClient(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.options.kafka.admin();
      await admin.connect();
      return admin;
    })();
    this.admin.catch(() => (this.admin = undefined));
    return this.admin;
  }

  async lag(): Promise<PartitionLag[]> {
    if (this.leaving) return [];
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

  /** Stop has begun: a crash now is expected, and lag is no longer asked for. */
  leave(): void {
    this.leaving = true;
  }

  async close(): Promise<void> {
    await (await this.admin?.catch(() => undefined))?.disconnect();
    this.member = false;
  }
}
