import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { isRetryable } from '../errors.js';
import { DEFAULT_BACKOFF, retry, sleep, type BackoffPolicy } from '../backoff.js';
import type { BusObserver } from './observer.js';
import { deadLetterReason, type Coalescer } from './coalescer.js';
import type { LogMethods } from '../log.js';
import type { BusConsumer, BusHealth, PartitionLag, StartPosition } from './types.js';
import type { CourseEvent } from '../domain/events.js';
import type { RedisStreamEntry } from './message.js';
import { deadLetterTopic } from './topics.js';

/**
 * The Redis Streams transport (edx-event-bus-redis): one stream per topic read through a consumer group.
 * An entry is XACKed only once it was applied or dead-lettered (the Python consumer acks failures too).
 * Entries another consumer left pending for longer than `minIdleMs` are claimed with XAUTOCLAIM, and
 * the entries this consumer still holds are re-claimed periodically so a long debounce or sync does not
 * make them look abandoned to its peers.
 */

export type DecodeRedisEntry = (entry: RedisStreamEntry) => Promise<CourseEvent | null>;

export interface RedisBusConsumerOptions {
  /** Used for acks, dead letters and claims; a duplicate of it does the blocking reads. */
  redis: Redis;
  group: string;
  /** Full stream names, prefix included. */
  streams: readonly string[];
  dlqSuffix: string;
  decode: DecodeRedisEntry;
  coalescer: Coalescer;
  /** Unique per process; defaults to host and pid. */
  consumerName?: string;
  /** Where a new group starts; default 'earliest' (id 0) reads the retained backlog. */
  startPosition?: StartPosition;
  blockMs?: number;
  batchSize?: number;
  /** A peer's entry pending for longer than this is presumed abandoned and claimed. */
  minIdleMs?: number;
  claimIntervalMs?: number;
  maxOutstanding?: number;
  retryPolicy?: BackoffPolicy;
  logger?: LogMethods;
  observer?: BusObserver;
  now?: () => Date;
}

type RawEntry = [Buffer, Buffer[] | null];

interface DeadLetterNote {
  reason: string;
  err: unknown;
  /** Sync attempts made before the course was parked. */
  attempts?: number;
}

export class RedisBusConsumer implements BusConsumer {
  private reader?: Redis;
  private loop?: Promise<void>;
  private joined = false;
  private stopping = false;
  private readonly held = new Map<string, Set<string>>();
  private readonly settling = new Set<Promise<void>>();
  /** Aborts everything the read loop waits on (decode retries, pauses), so stop never waits for them. */
  private readonly intake = new AbortController();
  /** Aborts acks and dead letters of finished events once the grace period is over. */
  private readonly abort = new AbortController();
  private readonly consumerName: string;
  private readonly retryPolicy: BackoffPolicy;
  private readonly maxOutstanding: number;
  private lastClaimAt = 0;

  constructor(private readonly options: RedisBusConsumerOptions) {
    this.consumerName = options.consumerName ?? `${hostname()}-${process.pid}`;
    this.retryPolicy = { ...(options.retryPolicy ?? DEFAULT_BACKOFF), maxAttempts: undefined };
    this.maxOutstanding = options.maxOutstanding ?? 10_000;
    for (const stream of options.streams) this.held.set(stream, new Set());
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
    const left = () => Math.max(0, deadline - Date.now());
    this.intake.abort(new Error('consumer stopping'));
    // Disconnecting the reader ends a blocking XREADGROUP at once instead of after blockMs.
    this.reader?.disconnect();
    // A command on an unreachable server waits for the reconnect: the loop gets the grace, not more.
    if (this.loop) await settle(new Set([this.loop]), left());
    await this.options.coalescer.drain({ graceMs: left() });
    await settle(this.settling, left());
    this.abort.abort(new Error('consumer stopping'));
    this.joined = false;
  }

  health(): BusHealth {
    return {
      joined: this.joined,
      paused: this.outstanding() >= this.maxOutstanding,
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
        if (this.outstanding() >= this.maxOutstanding) {
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
    const settle = (deadLetter?: DeadLetterNote) => this.settle(entry, deadLetter);

    let event: CourseEvent | null;
    try {
      event = await retry(() => this.options.decode(entry), this.retryPolicy, {
        isRetryable,
        signal: this.intake.signal,
        onRetry: (err, attempt, delayMs) =>
          this.options.logger?.warn({ err, stream, id, attempt, delayMs }, 'decoding failed, will retry'),
      });
    } catch (err) {
      // Stopping: the entry stays pending in the group and is read again after a restart (or claimed).
      if (this.intake.signal.aborted) return;
      const reason = deadLetterReason(err, 'undecodable');
      this.options.observer?.decodeFailed(reason);
      this.options.logger?.error(
        { err, stream, id, reason },
        'undecodable stream entry; sending it to the dead-letter stream',
      );
      settle({ reason, err });
      return;
    }
    if (event === null) {
      settle();
      return;
    }
    this.options.observer?.eventConsumed(event.eventType);
    event.position = { topic: stream, partition: 0, offset: id };
    const accepted = this.options.coalescer.submit(event, {
      applied: () => settle(),
      deadLettered: (reason, err, details) => settle({ reason, err, attempts: details?.attempts }),
    });
    if (!accepted) ids.delete(id);
  }

  /** Dead-letters the entry if asked, then XACKs it, retrying each step until it succeeds or stop gives up. */
  private settle(entry: RedisStreamEntry, deadLetter?: DeadLetterNote): void {
    const { redis, group, dlqSuffix } = this.options;
    const work = async () => {
      if (deadLetter) {
        const dlq = deadLetterTopic(entry.stream, dlqSuffix);
        const error = deadLetter.err instanceof Error ? deadLetter.err.message : String(deadLetter.err);
        const extra = {
          dlq_reason: deadLetter.reason,
          dlq_error: error,
          dlq_stream: entry.stream,
          dlq_id: entry.id,
          dlq_time: (this.options.now?.() ?? new Date()).toISOString(),
          ...(deadLetter.attempts === undefined ? {} : { dlq_attempts: String(deadLetter.attempts) }),
        };
        const args = [...entry.fields.entries(), ...Object.entries(extra)].flat();
        await redis.xadd(dlq, '*', ...args);
        this.options.observer?.deadLettered(deadLetter.reason);
      }
      await redis.xack(entry.stream, group, entry.id);
    };
    const done = retry(work, this.retryPolicy, {
      isRetryable: () => true,
      signal: this.abort.signal,
      onRetry: (err, attempt, delayMs) =>
        this.options.logger?.warn(
          { err, stream: entry.stream, id: entry.id, attempt, delayMs },
          'acknowledging a stream entry failed, will retry',
        ),
    }).then(
      () => this.held.get(entry.stream)?.delete(entry.id),
      (err: unknown) =>
        this.options.logger?.warn(
          { err, stream: entry.stream, id: entry.id },
          'entry not acknowledged before stop; it stays pending for a later claim',
        ),
    );
    const tracked = done.then(() => undefined).finally(() => this.settling.delete(tracked));
    this.settling.add(tracked);
  }
}

async function settle(pending: Set<Promise<void>>, graceMs: number): Promise<void> {
  if (pending.size === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled([...pending]),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
  ]);
  clearTimeout(timer);
}

function pairsToObject(pairs: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) out[String(pairs[i])] = pairs[i + 1];
  return out;
}
