import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { retry, sleep, type Sleep } from '../../backoff.js';
import type { BusConsumer, BusHealth, PartitionLag, StartPosition } from '../types.js';
import { BusIntake, settleWithin, type Decode, type DeadLetterNote, type IntakeOptions } from '../intake.js';
import type { RedisStreamEntry } from '../message.js';
import { deadLetterTopic } from '../topics.js';

/**
 * The Redis Streams transport (edx-event-bus-redis): one stream per topic read through a consumer group,
 * each entry handed to the intake, which leaves this file only the Redis side of it: reading, claiming,
 * dead-letter entries and XACK. An entry is XACKed only once it was applied or dead-lettered (the Python
 * consumer acks failures too).
 * Entries another consumer left pending for longer than `minIdleMs` are claimed with XAUTOCLAIM, and
 * the entries this consumer still holds are re-claimed periodically so a long debounce or sync does not
 * make them look abandoned to its peers.
 */

export type DecodeRedisEntry = Decode<RedisStreamEntry>;

export interface RedisBusConsumerOptions extends IntakeOptions<RedisStreamEntry> {
  /** Used for acks, dead letters and claims; a duplicate of it does the blocking reads. */
  redis: Redis;
  group: string;
  /** Full stream names, prefix included. */
  streams: readonly string[];
  dlqSuffix: string;
  /** Unique per process; defaults to host and pid. */
  consumerName?: string;
  /** Where a new group starts; default 'earliest' (id 0) reads the retained backlog. */
  startPosition?: StartPosition;
  blockMs?: number;
  batchSize?: number;
  /** A peer's entry pending for longer than this is presumed abandoned and claimed. */
  minIdleMs?: number;
  claimIntervalMs?: number;
}

type RawEntry = [Buffer, Buffer[] | null];

export class RedisBusConsumer implements BusConsumer {
  private reader?: Redis;
  private loop?: Promise<void>;
  private joined = false;
  private stopping = false;
  /** Per stream, the ids read and not yet acknowledged: what peers must not claim, and the backpressure. */
  private readonly held = new Map<string, Set<string>>();
  private readonly intake: BusIntake<RedisStreamEntry>;
  private readonly consumerName: string;
  private lastClaimAt = 0;

  constructor(private readonly options: RedisBusConsumerOptions) {
    this.consumerName = options.consumerName ?? `${hostname()}-${process.pid}`;
    for (const stream of options.streams) this.held.set(stream, new Set());
    this.intake = new BusIntake(options, {
      position: (entry) => ({ topic: entry.stream, partition: 0, offset: entry.id }),
      logFields: (entry) => ({ stream: entry.stream, id: entry.id }),
      describe: (entry) => ({
        at: `${entry.stream}@${entry.id}`,
        waiting: 'the stream',
        holder: entry.stream,
      }),
      settle: (entry, note, signal, wait) => this.settle(entry, note, signal, wait),
      messages: {
        undecodable: 'undecodable stream entry; sending it to the dead-letter stream',
        unsettled: 'entry not acknowledged before stop; it stays pending for a later claim',
      },
    });
  }

  async start(): Promise<void> {
    const { redis, group, streams } = this.options;
    const from = (this.options.startPosition ?? 'earliest') === 'earliest' ? '0' : '$';
    for (const stream of streams) {
      try {
        await redis.xgroup('CREATE', stream, group, from, 'MKSTREAM');
      } catch (err) {
        if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
      }
    }
    this.reader = redis.duplicate();
    this.joined = true;
    this.loop = this.run();
  }

  async stop(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const deadline = Date.now() + graceMs;
    this.intake.stopTaking();
    // Disconnecting the reader ends a blocking XREADGROUP at once instead of after blockMs.
    this.reader?.disconnect();
    // A command on an unreachable server waits for the reconnect: the loop gets the grace, not more.
    if (this.loop) await settleWithin([this.loop], Math.max(0, deadline - Date.now()));
    await this.intake.drain(deadline);
    this.joined = false;
  }

  health(): BusHealth {
    return {
      joined: this.joined,
      paused: this.outstanding() >= this.intake.maxOutstanding,
      outstanding: this.outstanding(),
      coalescer: this.options.coalescer.stats(),
    };
  }

  async lag(): Promise<PartitionLag[]> {
    const out: PartitionLag[] = [];
    for (const stream of this.options.streams) {
      const groups = (await this.options.redis.xinfo('GROUPS', stream)) as unknown[][];
      const info = groups.map(pairsToObject).find((g) => g.name === this.options.group);
      const streamInfo = pairsToObject((await this.options.redis.xinfo('STREAM', stream)) as unknown[]);
      // Redis 7 reports the unread count as `lag` (null when it cannot tell); pending entries are not done either.
      const unread = typeof info?.lag === 'number' ? info.lag : 0;
      const pending = typeof info?.pending === 'number' ? info.pending : 0;
      out.push({
        topic: stream,
        partition: 0,
        committed: typeof info?.['last-delivered-id'] === 'string' ? info['last-delivered-id'] : null,
        highWatermark: String(streamInfo['last-generated-id'] ?? '0-0'),
        lag: unread + pending,
      });
    }
    return out;
  }

  private outstanding(): number {
    let n = 0;
    for (const ids of this.held.values()) n += ids.size;
    return n;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (Date.now() - this.lastClaimAt >= (this.options.claimIntervalMs ?? 30_000)) {
          this.lastClaimAt = Date.now();
          await this.refreshHeld();
          await this.claimAbandoned();
        }
        if (this.outstanding() >= this.intake.maxOutstanding) {
          await sleep(100, this.intake.signal);
          continue;
        }
        await this.readNew();
        this.joined = true;
      } catch (err) {
        if (this.stopping) return;
        this.joined = false;
        this.options.logger?.warn({ err }, 'reading the event streams failed; retrying in a second');
        await sleep(1_000, this.intake.signal).catch(() => undefined);
      }
    }
  }

  private async readNew(): Promise<void> {
    const { group, streams } = this.options;
    const reply = (await this.reader!.callBuffer(
      'XREADGROUP',
      'GROUP',
      group,
      this.consumerName,
      'COUNT',
      this.options.batchSize ?? 100,
      'BLOCK',
      this.options.blockMs ?? 1_000,
      'STREAMS',
      ...streams,
      ...streams.map(() => '>'),
    )) as [Buffer, RawEntry[]][] | null;
    for (const [streamName, entries] of reply ?? []) {
      for (const entry of entries) await this.handle(streamName.toString('utf8'), entry);
    }
  }

  /** Takes over entries a crashed peer left pending; entries deleted from the stream meanwhile are acked away. */
  private async claimAbandoned(): Promise<void> {
    const { redis, group, streams } = this.options;
    for (const stream of streams) {
      let cursor = '0-0';
      do {
        const [next, entries, deleted] = (await redis.callBuffer(
          'XAUTOCLAIM',
          stream,
          group,
          this.consumerName,
          this.options.minIdleMs ?? 5 * 60_000,
          cursor,
          'COUNT',
          100,
        )) as [Buffer, RawEntry[], Buffer[]?];
        cursor = next.toString('utf8');
        for (const entry of entries) {
          if (this.held.get(stream)?.has(entry[0].toString('utf8'))) continue;
          this.options.logger?.info(
            { stream, id: entry[0].toString('utf8') },
            'claimed an entry a stopped consumer left pending',
          );
          await this.handle(stream, entry);
        }
        if (deleted && deleted.length > 0) await redis.xack(stream, group, ...deleted);
      } while (cursor !== '0-0' && !this.stopping);
    }
  }

  /** Resets the idle time of entries still waiting for their sync, so peers do not claim them. */
  private async refreshHeld(): Promise<void> {
    const { redis, group } = this.options;
    for (const [stream, ids] of this.held) {
      if (ids.size === 0) continue;
      await redis.xclaim(stream, group, this.consumerName, 0, ...ids, 'JUSTID');
    }
  }

  private async handle(stream: string, [rawId, rawFields]: RawEntry): Promise<void> {
    const id = rawId.toString('utf8');
    if (rawFields === null) {
      // Trimmed from the stream (MAXLEN) while pending: its data is gone.
      await this.options.redis.xack(stream, this.options.group, id);
      return;
    }
    const fields = new Map<string, Buffer>();
    for (let i = 0; i + 1 < rawFields.length; i += 2)
      fields.set(rawFields[i]!.toString('utf8'), rawFields[i + 1]!);
    const entry: RedisStreamEntry = { stream, id, fields };
    const ids = this.held.get(stream)!;
    ids.add(id);
    // Refused while draining: it stays pending in the group for a later read or claim, not held by us.
    if ((await this.intake.take(entry)) === 'refused') ids.delete(id);
  }

  /** Dead-letters the entry if asked, then XACKs it, retrying each step until it succeeds or stop gives up. */
  private async settle(
    entry: RedisStreamEntry,
    deadLetter: DeadLetterNote | undefined,
    signal: AbortSignal,
    wait: Sleep,
  ): Promise<void> {
    const { redis, group, dlqSuffix } = this.options;
    const attempts = deadLetter?.details?.attempts;
    const work = async () => {
      if (deadLetter) {
        const dlq = deadLetterTopic(entry.stream, dlqSuffix);
        const error = deadLetter.error instanceof Error ? deadLetter.error.message : String(deadLetter.error);
        const extra = {
          dlq_reason: deadLetter.reason,
          dlq_error: error,
          dlq_stream: entry.stream,
          dlq_id: entry.id,
          dlq_time: (this.options.now?.() ?? new Date()).toISOString(),
          ...(attempts === undefined ? {} : { dlq_attempts: String(attempts) }),
        };
        const args = [...entry.fields.entries(), ...Object.entries(extra)].flat();
        await redis.xadd(dlq, '*', ...args);
        this.options.observer?.deadLettered(deadLetter.reason);
      }
      await redis.xack(entry.stream, group, entry.id);
    };
    await retry(work, this.intake.retryPolicy, {
      isRetryable: () => true,
      signal,
      sleep: wait,
      onRetry: (err, attempt, delayMs) =>
        this.options.logger?.warn(
          { err, stream: entry.stream, id: entry.id, attempt, delayMs },
          'acknowledging a stream entry failed, will retry',
        ),
    });
    this.held.get(entry.stream)?.delete(entry.id);
  }
}

function pairsToObject(pairs: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) out[String(pairs[i])] = pairs[i + 1];
  return out;
}
