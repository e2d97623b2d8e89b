import type { Consumer } from 'kafkajs';
import type { LogMethods } from '../../log.js';

/**
 * At-least-once commits. Messages of one partition finish out of order (different courses sync at
 * different speeds), so the offset that is safe to commit is the one just past the longest finished
 * prefix of what this consumer received. Only offsets actually seen are tracked, so gaps (compacted
 * topics, transaction markers) never hold the commit back. Commits are periodic, never two at once.
 */

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PartitionOffset extends TopicPartition {
  /** Kafka convention: the offset of the next message to read, as a decimal string. */
  offset: string;
}

interface PartitionState {
  /** Received offsets, ascending; those before `head` are already folded into `committable`. */
  tracked: bigint[];
  head: number;
  done: Set<bigint>;
  /** 1 + the last offset of the finished prefix, once there is one. */
  committable?: bigint;
  /** What the caller last reported as committed. */
  committed?: bigint;
}

const partitionId = (topic: string, partition: number) => `${partition}\u0000${topic}`;

export class OffsetTracker {
  private readonly partitions = new Map<string, PartitionState & TopicPartition>();

  /** Records a message handed to processing; call in the order messages are read. */
  received(topic: string, partition: number, offset: string): void {
    const state = this.stateOf(topic, partition, true);
    const value = BigInt(offset);
    const last = state.tracked.length > state.head ? state.tracked[state.tracked.length - 1] : undefined;
    if (last === undefined || value > last) {
      state.tracked.push(value);
      return;
    }
    // A redelivery below what was read (e.g. after a seek): keep the list sorted and unique.
    const at = lowerBound(state.tracked, value, state.head);
    if (state.tracked[at] !== value) state.tracked.splice(at, 0, value);
  }

  /** Records that a message was applied or dead-lettered; unknown partitions/offsets are ignored (revoked). */
  done(topic: string, partition: number, offset: string): void {
    const state = this.stateOf(topic, partition, false);
    if (!state) return;
    const value = BigInt(offset);
    if (state.tracked[lowerBound(state.tracked, value, state.head)] !== value) return;
    state.done.add(value);
    this.advance(state);
  }

  /** Per partition, the next offset to commit, only where it moved past what was last marked committed. */
  committable(): PartitionOffset[] {
    const out: PartitionOffset[] = [];
    for (const state of this.partitions.values()) {
      if (state.committable === undefined) continue;
      if (state.committed !== undefined && state.committable <= state.committed) continue;
      out.push({ topic: state.topic, partition: state.partition, offset: state.committable.toString() });
    }
    return out;
  }

  /** Records a successful commit, so the same offsets are not offered again. */
  markCommitted(offsets: readonly PartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) {
      const state = this.stateOf(topic, partition, false);
      if (!state) continue;
      const value = BigInt(offset);
      if (state.committed === undefined || value > state.committed) state.committed = value;
    }
  }

  /** Forgets everything, e.g. after a rebalance that restarts every partition from its committed offset. */
  revokeAll(): void {
    this.partitions.clear();
  }

  /** Messages received and not yet done, over all partitions: the measure for backpressure. */
  outstanding(): number {
    let n = 0;
    for (const state of this.partitions.values()) n += state.tracked.length - state.head - state.done.size;
    return n;
  }

  assigned(): TopicPartition[] {
    return [...this.partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  private stateOf(topic: string, partition: number, create: true): PartitionState & TopicPartition;
  private stateOf(
    topic: string,
    partition: number,
    create: false,
  ): (PartitionState & TopicPartition) | undefined;
  private stateOf(topic: string, partition: number, create: boolean) {
    const id = partitionId(topic, partition);
    let state = this.partitions.get(id);
    if (!state && create) {
      state = { topic, partition, tracked: [], head: 0, done: new Set() };
      this.partitions.set(id, state);
    }
    return state;
  }

  /** Folds the finished head of the tracked list into `committable`. */
  private advance(state: PartitionState): void {
    let head = state.head;
    while (head < state.tracked.length && state.done.has(state.tracked[head]!)) {
      state.done.delete(state.tracked[head]!);
      head++;
    }
    if (head === state.head) return;
    const next = state.tracked[head - 1]! + 1n;
    if (state.committable === undefined || next > state.committable) state.committable = next;
    state.head = head;
    // Compacting only once the folded part dominates keeps in-order completion O(1) amortized.
    if (head > 1024 && head * 2 > state.tracked.length) {
      state.tracked.splice(0, head);
      state.head = 0;
    }
  }
}

/** Commits the tracker's finished prefixes on a timer and on demand, one commit at a time. */
export class OffsetCommitter {
  private consumer?: Consumer;
  private timer?: ReturnType<typeof setInterval>;
  private committing?: Promise<void>;

  constructor(
    private readonly tracker: OffsetTracker,
    private readonly logger?: LogMethods,
  ) {}

  /** The consumer whose group the offsets are committed for; commits before this do nothing. */
  use(consumer: Consumer): void {
    this.consumer = consumer;
  }

  startTimer(intervalMs: number): void {
    this.timer = setInterval(() => void this.commit(), intervalMs);
    this.timer.unref();
  }

  /** Commits every partition's finished prefix; a failure is logged and retried on the next tick. */
  commit(): Promise<void> {
    this.committing ??= this.commitOnce().finally(() => {
      this.committing = undefined;
    });
    return this.committing;
  }

  /** Ends the timer and commits what finished. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.commit();
  }

  private async commitOnce(): Promise<void> {
    const offsets = this.tracker.committable();
    if (offsets.length === 0 || !this.consumer) return;
    try {
      await this.consumer.commitOffsets(offsets);
      this.tracker.markCommitted(offsets);
      this.logger?.debug({ offsets }, 'committed offsets');
    } catch (err) {
      this.logger?.warn({ err, offsets }, 'committing offsets failed; will try again');
    }
  }
}

function lowerBound(sorted: readonly bigint[], value: bigint, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
