import type { Alarms } from '../alarms.js';
import type { LogMethods } from '../log.js';
import type { SyncCourse, CoalescerStats } from './coalescer.js';
import type { BusObserver } from './observer.js';

/**
 * The bus as the rest of the service sees it, whichever transport carries it. Kept apart from the
 * factory so that config, readiness and the transports share these types without importing each other.
 */

/**
 * What the rest of course-sink sees of the event bus, whichever transport carries it: start consuming,
 * stop gracefully, and report health and lag. Each transport decodes, coalesces per course through a
 * Coalescer, and acknowledges a message only once it was applied or dead-lettered.
 */
export interface BusConsumer {
  /** Connects, joins the consumer group and starts delivering events to the coalescer. */
  start(): Promise<void>;
  /**
   * Stops reading, lets syncs in flight finish for up to `graceMs`, acknowledges/commits what finished,
   * and disconnects. Whatever did not finish is delivered again after the next start.
   */
  stop(graceMs: number): Promise<void>;
  health(): BusHealth;
  /** Messages not yet acknowledged by the group, per partition; computed on demand (it asks the server). */
  lag(): Promise<PartitionLag[]>;
}

export interface BusHealth {
  /** Member of the consumer group with an assignment (Kafka) or reading its streams (Redis). */
  joined: boolean;
  /** Reading is paused because too many messages are awaiting their sync. */
  paused: boolean;
  /** Messages received and not yet applied or dead-lettered. */
  outstanding: number;
  coalescer: CoalescerStats;
}

export interface PartitionLag {
  topic: string;
  /** Always 0 for a Redis stream. */
  partition: number;
  /** Next offset the group will read, or null when it has committed nothing yet. */
  committed: string | null;
  highWatermark: string;
  lag: number;
}

/** Where a new consumer group starts: the whole retained backlog, or only messages produced from now on. */
export type StartPosition = 'earliest' | 'latest';

/** The part of the service configuration the bus needs (structurally `Config['bus']`). */
export interface BusSettings {
  backend: 'kafka' | 'redis';
  kafka?: { brokers: string[]; sasl?: { username: string; password: string } };
  redisUrl?: string;
  topicPrefix?: string;
  /** Base topic names before the prefix (EVENT_BUS_TOPICS); unset means Studio's two course topics. */
  baseTopics?: string[];
  consumerGroup: string;
  schemaRegistry?: { url: string; auth?: { username: string; password: string } };
  dlqSuffix: string;
  strictEventTypes: boolean;
  /** How long a schema id the registry does not know is dead-lettered without asking again. */
  unknownSchemaTtlMs?: number;
  debounceMs: number;
  concurrency: number;
  /** When a course whose sync keeps failing is parked (dead-lettered as sync-failed). */
  syncBudget?: { maxAttempts: number; maxRetryMs: number };
}

export interface BusConsumerDeps {
  sync: SyncCourse;
  logger?: LogMethods;
  /** Base topic names before the prefix; defaults to the two Studio topics course-sink understands. */
  baseTopics?: readonly string[];
  startPosition?: StartPosition;
  observer?: BusObserver;
  /** Conditions that hold events back until an operator acts; /readyz reports them. */
  alarms?: Alarms;
  /** The transport stopped for good on its own; the process should exit so it is restarted. */
  onFatal?: (err: unknown) => void;
}
