import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import pg from 'pg';
import { CATALOG_INFO_TOPIC, deadLetterTopic, fullTopic, XBLOCK_LIFECYCLE_TOPIC } from '../src/bus/topics.js';
import { buildOutline } from '../src/outline/index.js';
import { CourseSinkProcess, freePort } from '../test/e2e/support/consumer-process.js';
import { E2eStores } from '../test/e2e/support/stores.js';
import { TestLms } from '../test/peers/openedx/server.js';
import { produce, type ProducerEvent } from '../test/peers/openedx-producer/index.js';
import { repoRoot } from '../test/support/cli.js';
import { stackVar, uniqueName, waitFor } from '../test/support/stack.js';
import type { ModulestoreCourse } from '../test/peers/openedx/modulestore.js';
import { lmsSnapshot } from '../test/peers/openedx/snapshot.js';
import { syntheticCourse } from '../test/support/synthetic-course.js';

/** What one scenario reports; the runner prints it as one line and fails the run on lost, duplicated or stuck. */
export interface ScenarioResult {
  sent: number;
  deadLettered: number;
  skipped: number;
  /** Courses whose last event never led to a complete dump (or catalog row). */
  lost: number;
  /** Dumps named by an overview row that lack some of their block or relationship rows. */
  partial: number;
  /** Dumps with more rows than they should have (a row written twice). */
  duplicated: number;
  /** From the last message sent until the group committed everything; -1 when it never did (stuck). */
  drainedMs: number;
  leaked?: number;
}

export interface Scenario {
  name: string;
  /** Takes a shared stack server down for a moment: run last, and skipped with --gentle. */
  disruptive?: boolean;
  run(): Promise<ScenarioResult>;
}

const run = promisify(execFile);
export const TOPICS = [XBLOCK_LIFECYCLE_TOPIC, CATALOG_INFO_TOPIC];

const stackScript = path.join(repoRoot, 'scripts/stack');
/** Services a scenario took down and has not brought back yet. */
const downServices = new Set<string>();

/** `scripts/stack down|up <svc>`: only chaos scenarios take a shared server down, and always bring it back. */
export async function stack(action: 'up' | 'down', service: string): Promise<void> {
  if (action === 'down') downServices.add(service);
  await run(stackScript, [action, service], { cwd: repoRoot, timeout: 180_000 });
  if (action === 'up') downServices.delete(service);
}

/** Brings back, synchronously, whatever is still down: for a runner that is about to exit abnormally. */
export function restoreStack(): void {
  for (const service of downServices) {
    try {
      execFileSync(stackScript, ['up', service], { cwd: repoRoot, timeout: 180_000, stdio: 'ignore' });
      downServices.delete(service);
    } catch (err) {
      console.error(
        `could not bring ${service} back up: run \`scripts/stack up ${service}\` (${String(err)})`,
      );
    }
  }
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One isolated world per scenario on the real stack: topics under a fresh prefix (created with
 * `partitions` partitions), a fresh ClickHouse database and Postgres schema, a test LMS serving
 * `courses` small synthetic courses, and any number of `course-sink consume` processes in one group.
 */
export class ChaosWorld {
  readonly prefix = uniqueName('chaos', '-');
  readonly group = uniqueName('chaos-group', '-');
  readonly consumers: CourseSinkProcess[] = [];
  readonly kafka: Kafka;
  readonly lastPublished = new Map<string, Date>();
  sent = 0;
  restarts = 0;
  private producer?: Producer;

  private constructor(
    readonly lms: TestLms,
    readonly stores: E2eStores,
    readonly admin: Admin,
    readonly courses: ModulestoreCourse[],
  ) {
    this.kafka = new Kafka({
      clientId: 'course-sink-chaos',
      brokers: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS').split(','),
      logLevel: logLevel.NOTHING,
    });
  }

  static async create(options: {
    courses: number;
    partitions: number;
    blocks?: number;
  }): Promise<ChaosWorld> {
    const lms = await TestLms.start();
    // A run of its own in every course key keeps this world's rows and objects apart from other runs'.
    const run = `R${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const courses = Array.from({ length: options.courses }, (_, i) =>
      syntheticCourse({ blocks: options.blocks ?? 40, courseKey: `course-v1:ChaosX+C${i}+${run}` }),
    );
    for (const course of courses) lms.setCourse(course);
    const stores = await E2eStores.create();
    const kafka = new Kafka({
      brokers: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS').split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    // A restarted Postgres ends the stores' connection; that must not end the run (queries reconnect).
    stores.pg.on('error', () => undefined);
    const world = new ChaosWorld(lms, stores, admin, courses);
    await admin.createTopics({
      topics: TOPICS.map((t) => ({ topic: world.topic(t), numPartitions: options.partitions })),
      waitForLeaders: true,
    });
    const migrate = CourseSinkProcess.start(['migrate'], { ...stores.env(), LOG_LEVEL: 'warn' });
    if ((await migrate.wait()) !== 0) throw new Error(`migrate failed:\n${migrate.tail()}`);
    return world;
  }

  topic(base: string): string {
    return fullTopic(base, this.prefix);
  }

  busEnv(): Record<string, string> {
    return {
      EVENT_BUS_TOPIC_PREFIX: this.prefix,
      EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS'),
      EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL: stackVar('EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL'),
    };
  }

  async startConsumer(env: Record<string, string> = {}): Promise<CourseSinkProcess> {
    const proc = CourseSinkProcess.start(['consume'], {
      ...this.busEnv(),
      ...this.stores.env(),
      EVENT_BUS_KAFKA_CONSUMER_GROUP: this.group,
      LMS_BASE_URL: this.lms.url,
      LMS_OAUTH_CLIENT_ID: this.lms.credentials.clientId,
      LMS_OAUTH_CLIENT_SECRET: this.lms.credentials.clientSecret,
      SYNC_DEBOUNCE_MS: '300',
      SHUTDOWN_GRACE_MS: '5000',
      HTTP_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      ...env,
    });
    this.consumers.push(proc);
    return proc;
  }

  /** Studio's own producer publishes each course (its root block), as a publish in Studio does. */
  private revision = 0;

  /**
   * Studio publishes each course again with one unit renamed, so that every publish changes what a sync
   * writes (an unchanged course writes no new dump), then the bus carries XBLOCK_PUBLISHED.
   */
  async publish(courseKeys: string[]): Promise<void> {
    for (const key of courseKeys) {
      const course = this.courses.find((c) => c.courseKey === key);
      if (!course) continue;
      const next = structuredClone(course);
      const unit = next.blocks.find((b) => b.type === 'vertical');
      if (unit) unit.fields.display_name = `Unit (revision ${++this.revision})`;
      this.lms.publish(next);
    }
    const events: ProducerEvent[] = courseKeys.map((courseKey) => ({
      signal: 'XBLOCK_PUBLISHED',
      topic: XBLOCK_LIFECYCLE_TOPIC,
      id: randomUUID(),
      data: {
        xblock_info: {
          usage_key: `block-v1:${courseKey.slice('course-v1:'.length)}+type@course+block@course`,
          block_type: 'course',
        },
      },
    }));
    // Any sync that covers these events starts after this instant, so its dump is stamped later.
    const before = new Date();
    await produce('kafka', events, this.busEnv());
    for (const key of courseKeys) this.lastPublished.set(key, before);
    this.sent += events.length;
  }

  /** Raw messages, for the malformed ones the real producer would never send. */
  async sendRaw(
    base: string,
    messages: { key?: Buffer | string | null; value: Buffer | null; headers?: Record<string, string> }[],
  ): Promise<void> {
    if (!this.producer) {
      this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await this.producer.connect();
    }
    await this.producer.send({ topic: this.topic(base), acks: -1, messages });
    this.sent += messages.length;
  }

  private async sum(topics: string[], of: 'committed' | 'end'): Promise<number> {
    let total = 0;
    for (const topic of topics) {
      if (of === 'end') {
        for (const p of await this.admin.fetchTopicOffsets(topic)) total += Number(p.high);
      } else {
        const [offsets] = await this.admin.fetchOffsets({ groupId: this.group, topics: [topic] });
        for (const p of offsets?.partitions ?? []) total += Math.max(0, Number(p.offset));
      }
    }
    return total;
  }

  /** Waits until the group committed every message on the source topics; -1 when it did not in time. */
  async drained(timeoutMs: number): Promise<number> {
    const started = Date.now();
    const topics = TOPICS.map((t) => this.topic(t));
    try {
      await waitFor(async () => (await this.sum(topics, 'committed')) === (await this.sum(topics, 'end')), {
        timeoutMs,
        intervalMs: 250,
        what: 'the group to commit everything',
      });
      return Date.now() - started;
    } catch {
      return -1;
    }
  }

  async deadLettered(): Promise<number> {
    const existing = new Set(await this.admin.listTopics());
    const dlqs = TOPICS.map((t) => deadLetterTopic(this.topic(t), '.dlq')).filter((t) => existing.has(t));
    return this.sum(dlqs, 'end');
  }

  /**
   * Counts, over every course published: lost (no complete dump after its last publish, or no catalog
   * run), partial (a dump named by an overview missing rows) and duplicated (a dump with rows twice).
   */
  async audit(): Promise<{ lost: number; partial: number; duplicated: number }> {
    const db = this.stores.clickhouseDatabase;
    const perDump = async (table: string) => {
      const rows = await this.stores.chRows<{ course_key: string; dump_id: string; n: string; t: string }>(
        `SELECT course_key, toString(dump_id) AS dump_id, count() AS n, max(time_last_dumped) AS t
         FROM ${db}.${table} GROUP BY course_key, dump_id`,
      );
      return new Map(rows.map((r) => [r.dump_id, { courseKey: r.course_key, n: Number(r.n), t: r.t }]));
    };
    const [overviews, blocks, relationships] = await Promise.all(
      ['course_overviews', 'course_blocks', 'course_relationships'].map(perDump),
    );
    const expected = new Map(
      this.courses.map((c) => {
        const outline = buildOutline(lmsSnapshot(c).blocks);
        return [
          c.courseKey,
          { blocks: outline.rows.filter((r) => !r.detached).length, rels: outline.relationships.length },
        ];
      }),
    );
    let partial = 0;
    let duplicated = 0;
    const whole = new Map<string, string[]>();
    for (const [dumpId, overview] of overviews!) {
      const want = expected.get(overview.courseKey);
      if (!want) continue;
      const b = blocks!.get(dumpId)?.n ?? 0;
      const r = relationships!.get(dumpId)?.n ?? 0;
      if (overview.n > 1 || b > want.blocks || r > want.rels) duplicated++;
      else if (b < want.blocks || r < want.rels) partial++;
      else whole.set(overview.courseKey, [...(whole.get(overview.courseKey) ?? []), overview.t]);
    }
    // Blocks written twice in a dump that lost its overview are doubled rows all the same.
    for (const [dumpId, b] of blocks!) {
      const want = expected.get(b.courseKey);
      if (want && !overviews!.has(dumpId) && b.n > want.blocks) duplicated++;
    }
    const runs = await this.pgRows<{ courseware_id: string }>('SELECT courseware_id FROM course_runs');
    const catalogued = new Set(runs.map((r) => r.courseware_id));
    let lost = 0;
    for (const [courseKey, at] of this.lastPublished) {
      // time_last_dumped is "YYYY-MM-DD HH:MM:SS.ffffff+00:00": comparable as an ISO instant.
      const times = (whole.get(courseKey) ?? []).map((t) => new Date(t.replace(' ', 'T')).getTime());
      if (!times.some((t) => t >= at.getTime()) || !catalogued.has(courseKey)) lost++;
    }
    return { lost, partial, duplicated };
  }

  /** A connection of its own per query: the stores' client does not survive a Postgres restart. */
  async pgRows<T extends object>(sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.stores.databaseUrl });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Restarts any consumer that exited on its own (kafkajs gives up on a broker that stays away), as
   * Kubernetes would; returns a function that stops watching.
   */
  supervise(env: Record<string, string> = {}): () => void {
    let stopped = false;
    const watch = (proc: CourseSinkProcess) =>
      void proc.wait().then(async () => {
        if (stopped) return;
        const i = this.consumers.indexOf(proc);
        if (i >= 0) this.consumers.splice(i, 1);
        this.restarts++;
        watch(await this.startConsumer(env));
      });
    for (const proc of this.consumers) watch(proc);
    return () => {
      stopped = true;
    };
  }

  tails(): string {
    return this.consumers.map((c, i) => `--- consumer ${i}\n${c.tail(15)}`).join('\n');
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.kill()));
    await this.producer?.disconnect().catch(() => undefined);
    const topics = TOPICS.flatMap((t) => [this.topic(t), deadLetterTopic(this.topic(t), '.dlq')]);
    const existing = new Set(await this.admin.listTopics().catch(() => [] as string[]));
    await this.admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) }).catch(() => undefined);
    await this.admin.deleteGroups([this.group]).catch(() => undefined);
    await this.admin.disconnect();
    // Through a connection of its own: the stores' one may not have survived a Postgres restart.
    await this.pgRows(`DROP SCHEMA IF EXISTS ${this.stores.postgresSchema} CASCADE`).catch(() => undefined);
    await this.stores.close();
    await this.lms.close();
  }
}
