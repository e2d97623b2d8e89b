import { withDeadline } from '../deadline.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from './logger.js';

/** One partition's backlog, as the bus consumer reports it (structurally `PartitionLag`). */
export interface LagReading {
  topic: string;
  partition: number;
  lag: number;
}

/** Asked at every scrape; the Kafka consumer answers by querying the broker. */
export type LagSource = () => Promise<LagReading[]>;

/** How one course sync ended, as the `outcome` label of course_sink_syncs_total (not the coalescer's SyncOutcome). */
export type SyncResult = 'succeeded' | 'failed';
export type ExportBuildOutcome = 'succeeded' | 'failed';

export interface MetricsOptions {
  lagSource?: LagSource;
  /** A scrape waits this long for the lag source before reporting no lag series. */
  lagTimeoutMs?: number;
  logger?: Pick<Logger, 'warn'>;
  /** Process metrics (CPU, memory, event loop, GC); off in tests that count series. */
  defaultMetrics?: boolean;
}

/**
 * course-sink's Prometheus metrics in their own registry, so tests and embedders never collide with the
 * global one. Course keys are never labels: there can be hundreds of thousands of them.
 */
export class Metrics {
  readonly registry = new Registry();
  private lagSource: LagSource | undefined;
  private readonly lagTimeoutMs: number;
  private readonly logger: Pick<Logger, 'warn'> | undefined;

  private readonly eventsConsumed = new Counter({
    name: 'course_sink_events_consumed_total',
    help: 'Course events decoded from the bus, by event type.',
    labelNames: ['event_type'] as const,
    registers: [this.registry],
  });
  private readonly decodeFailures = new Counter({
    name: 'course_sink_decode_failures_total',
    help: 'Bus messages that could not be decoded, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly deadLetters = new Counter({
    name: 'course_sink_dead_letters_total',
    help: 'Messages sent to the dead-letter topic, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly deadLetterFailures = new Counter({
    name: 'course_sink_dead_letter_failures_total',
    help: 'Dead letters the broker kept refusing (their partition waits until the cause is fixed), by dead-letter topic.',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  private readonly retrying = new Gauge({
    name: 'course_sink_courses_retrying',
    help: 'Courses whose sync failed retryably and that wait for their next attempt.',
    registers: [this.registry],
  });
  private readonly parked = new Counter({
    name: 'course_sink_courses_parked_total',
    help: 'Courses whose sync used up its retry budget; their events were dead-lettered with reason sync-failed.',
    registers: [this.registry],
  });
  private readonly syncsStarted = new Counter({
    name: 'course_sink_syncs_started_total',
    help: 'Course syncs started.',
    registers: [this.registry],
  });
  private readonly syncs = new Counter({
    name: 'course_sink_syncs_total',
    help: 'Course syncs finished, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly syncDuration = new Histogram({
    name: 'course_sink_sync_duration_seconds',
    help: 'Wall time of one course sync, from fetch to the last sink.',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  private readonly rows = new Counter({
    name: 'course_sink_rows_written_total',
    help: 'Rows written to the stores, by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  private readonly exportBuilds = new Counter({
    name: 'course_sink_export_builds_total',
    help: 'Course export archive builds, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly staleRefetches = new Counter({
    name: 'course_sink_stale_refetches_total',
    help: 'LMS structures that contradicted the events: fetched again, or dumped as they were after the last try.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'course_sink_courses_in_flight',
    help: 'Course syncs currently running.',
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    this.lagSource = options.lagSource;
    this.lagTimeoutMs = options.lagTimeoutMs ?? 5_000;
    this.logger = options.logger;
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    const readLag = () => this.readLag();
    new Gauge({
      name: 'course_sink_consumer_lag',
      help: 'Messages not yet committed by the consumer group, per topic partition.',
      labelNames: ['topic', 'partition'] as const,
      registers: [this.registry],
      async collect() {
        const readings = await readLag();
        this.reset();
        for (const reading of readings) {
          this.set({ topic: reading.topic, partition: String(reading.partition) }, reading.lag);
        }
      },
    });
  }

  /** The consumer is usually created after the metrics; it plugs its lag in once it exists. */
  setLagSource(source: LagSource | undefined): void {
    this.lagSource = source;
  }

  eventConsumed(eventType: string): void {
    this.eventsConsumed.inc({ event_type: eventType });
  }

  decodeFailed(reason: string): void {
    this.decodeFailures.inc({ reason });
  }

  deadLettered(reason: string): void {
    this.deadLetters.inc({ reason });
  }

  deadLetterFailed(topic: string): void {
    this.deadLetterFailures.inc({ topic });
  }

  coursesRetrying(count: number): void {
    this.retrying.set(count);
  }

  courseParked(): void {
    this.parked.inc();
  }

  syncStarted(_courseKey: string): void {
    this.syncsStarted.inc();
    this.inFlight.inc();
  }

  syncFinished(_courseKey: string, outcome: SyncResult, seconds: number): void {
    this.syncs.inc({ outcome });
    this.syncDuration.observe(seconds);
    this.inFlight.dec();
  }

  staleRefetch(outcome: 'refetched' | 'gave_up'): void {
    this.staleRefetches.inc({ outcome });
  }

  rowsWritten(table: string, rows: number): void {
    this.rows.inc({ table }, rows);
  }

  exportBuilt(outcome: ExportBuildOutcome): void {
    this.exportBuilds.inc({ outcome });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  // A broker that is down must not make /metrics fail or hang: the scrape then simply has no lag series.
  private async readLag(): Promise<LagReading[]> {
    const source = this.lagSource;
    if (!source) return [];
    try {
      return await withDeadline(
        () => source(),
        this.lagTimeoutMs,
        () => new Error(`no answer within ${this.lagTimeoutMs} ms`),
      );
    } catch (err) {
      this.logger?.warn(
        { err },
        'consumer lag unavailable for this scrape; check the connection to the broker',
      );
      return [];
    }
  }
}
