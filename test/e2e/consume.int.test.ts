import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG_INFO_TOPIC, fullTopic, XBLOCK_LIFECYCLE_TOPIC } from '../../src/bus/topics.js';
import { buildOutline } from '../../src/outline/index.js';
import { TestLms } from '../peers/openedx/server.js';
import type { ModulestoreCourse } from '../peers/openedx/modulestore.js';
import { lmsSnapshot } from '../peers/openedx/snapshot.js';
import { produce, producerPython, type ProducerEvent } from '../peers/openedx-producer/index.js';
import { repoRoot } from '../support/cli.js';
import { stackVar, uniqueName, waitFor } from '../support/stack.js';
import { CourseSinkProcess, freePort } from './support/consumer-process.js';
import { E2eStores } from './support/stores.js';

/**
 * The whole path on real servers: Studio's own Python producer → Kafka + schema registry → `course-sink
 * consume` as a process → the test LMS → ClickHouse 18.16, PostgreSQL and the S3 server.
 */

const COURSE = 'course-v1:OpenedX+DemoX+DemoCourse';
const prefix = uniqueName('e2e', '-');
const group = uniqueName('e2e-group', '-');

let lms: TestLms;
let stores: E2eStores;
let admin: Admin;
let expectedBlocks: number;
let expectedRelationships: number;
const processes: CourseSinkProcess[] = [];

let demo: ModulestoreCourse;
let revision = 0;

/**
 * Studio publishes the course again, with one unit renamed: the test LMS has the new version, and the bus
 * carries XBLOCK_PUBLISHED. Each publish changes the course, so each sync makes a new dump.
 */
function publish(extra: Partial<ProducerEvent> = {}): Promise<unknown> {
  revision += 1;
  const next = structuredClone(demo);
  const unit = next.blocks.find((b) => b.type === 'vertical')!;
  unit.fields.display_name = `${String(unit.fields.display_name)} (revision ${revision})`;
  lms.publish(next);
  return produce(
    'kafka',
    [
      {
        signal: 'XBLOCK_PUBLISHED',
        topic: XBLOCK_LIFECYCLE_TOPIC,
        id: randomUUID(),
        data: {
          xblock_info: {
            usage_key: `block-v1:OpenedX+DemoX+DemoCourse+type@course+block@course`,
            block_type: 'course',
          },
        },
        ...extra,
      },
    ],
    busEnv(),
  );
}

function busEnv(): Record<string, string> {
  return {
    EVENT_BUS_TOPIC_PREFIX: prefix,
    EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS'),
    EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL: stackVar('EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL'),
  };
}

async function startConsumer(
  consumerGroup = group,
  env: Record<string, string> = {},
): Promise<CourseSinkProcess & { port: number }> {
  const port = await freePort();
  const proc = CourseSinkProcess.start(['consume'], {
    ...busEnv(),
    ...stores.env(),
    EVENT_BUS_KAFKA_CONSUMER_GROUP: consumerGroup,
    LMS_BASE_URL: lms.url,
    LMS_OAUTH_CLIENT_ID: lms.credentials.clientId,
    LMS_OAUTH_CLIENT_SECRET: lms.credentials.clientSecret,
    SYNC_DEBOUNCE_MS: '200',
    HTTP_PORT: String(port),
    SHUTDOWN_GRACE_MS: '5000',
    LOG_LEVEL: 'info',
    ...env,
  });
  processes.push(proc);
  return Object.assign(proc, { port });
}

/** The group's committed offset on the xblock topic, summed over partitions (-1 = nothing committed). */
async function committed(consumerGroup = group): Promise<number> {
  const [topic] = await admin.fetchOffsets({
    groupId: consumerGroup,
    topics: [fullTopic(XBLOCK_LIFECYCLE_TOPIC, prefix)],
  });
  return (topic?.partitions ?? []).reduce((sum, p) => sum + Number(p.offset), 0);
}

async function endOffset(): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(fullTopic(XBLOCK_LIFECYCLE_TOPIC, prefix));
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** A consumer that joined and has applied everything already on the topic. */
async function startCaughtUpConsumer() {
  const proc = await startConsumer();
  await waitFor(() => proc.logs().some((l) => l.msg === 'consumer group joined; consuming'), {
    timeoutMs: 30_000,
    what: `the consumer to join; output:\n${proc.tail()}`,
  });
  await waitFor(async () => (await committed()) === (await endOffset()), {
    timeoutMs: 60_000,
    what: 'catching up',
  });
  return proc;
}

/** Publishes a change and waits until its sync is reading the course from the LMS. */
async function publishAndReachLms(): Promise<void> {
  const blocksRequests = lms.count('blocks');
  await publish();
  await waitFor(() => lms.count('blocks') > blocksRequests, {
    timeoutMs: 30_000,
    what: 'the sync to reach the LMS',
  });
}

async function waitForDumps(count: number, proc: CourseSinkProcess, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const dumps = await stores.dumps('course_blocks', COURSE);
      return dumps.length >= count ? dumps : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `${count} dump(s) of ${COURSE}; consumer output:\n${proc.tail()}` },
  );
}

/** Every dump is whole: a retried or interrupted sync never leaves a partial or doubled dump behind. */
async function expectEveryDumpComplete(): Promise<void> {
  for (const dump of await stores.dumps('course_blocks', COURSE)) expect(dump.n).toBe(expectedBlocks);
  for (const dump of await stores.dumps('course_relationships', COURSE))
    expect(dump.n).toBe(expectedRelationships);
  for (const dump of await stores.dumps('course_overviews', COURSE)) expect(dump.n).toBe(1);
}

beforeAll(async () => {
  await producerPython();
  lms = await TestLms.start();
  [demo] = (await lms.loadFixtures(path.join(repoRoot, 'test/fixtures/demo-course'))) as [ModulestoreCourse];
  const outline = buildOutline(lmsSnapshot(demo).blocks);
  // The Blocks API walks the tree from the root: detached about/info blocks are not in its answer.
  expectedBlocks = outline.rows.filter((r) => !r.detached).length;
  expectedRelationships = outline.relationships.length;
  stores = await E2eStores.create();
  // The migrate command, as the chart's hook runs it, prepares both stores before any consumer starts.
  const migrate = CourseSinkProcess.start(['migrate'], { ...stores.env(), LOG_LEVEL: 'warn' });
  expect(await migrate.wait(), migrate.tail()).toBe(0);
  expect(migrate.output.join('')).toMatch(/clickhouse: applied 0001/);
  const kafka = new Kafka({
    brokers: stackVar('EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  admin = kafka.admin();
  await admin.connect();
  // Studio sends catalog info with the course's schedule; the consumer must read both topics.
  await produce(
    'kafka',
    [
      {
        signal: 'COURSE_CATALOG_INFO_CHANGED',
        topic: CATALOG_INFO_TOPIC,
        data: {
          catalog_info: {
            course_key: COURSE,
            name: 'Open edX Demo Course',
            // The demo course as Studio describes it: the same schedule the LMS serves.
            schedule_data: { start: '2020-01-01T00:00:00+00:00', pacing: 'self' },
            hidden: false,
            invitation_only: false,
          },
        },
      },
    ],
    busEnv(),
  );
  await publish();
});

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
});

afterAll(async () => {
  await admin?.disconnect();
  await stores?.close();
  await lms?.close();
});

describe('course-sink consume, end to end', () => {
  it('syncs a published course into ClickHouse, Postgres and an S3 export, then commits', async () => {
    const proc = await startConsumer();
    await waitForDumps(1, proc);
    const exports = await waitFor(
      async () => ((await stores.exports(COURSE)).length > 0 ? stores.exports(COURSE) : undefined),
      {
        timeoutMs: 60_000,
        what: `the export of ${COURSE}; consumer output:\n${proc.tail()}`,
      },
    );
    await expectEveryDumpComplete();

    const { rows: runs } = await stores.pg.query<{ title: string; courseware_id: string }>(
      'SELECT title, courseware_id FROM course_runs',
    );
    expect(runs).toEqual([{ title: 'Open edX Demo Course', courseware_id: COURSE }]);

    expect(exports).toHaveLength(1);
    const [archive] = exports;
    expect(await stores.objectSha512(archive!.bucket, archive!.key)).toBe(archive!.output_sha512);

    await waitFor(async () => (await committed()) === (await endOffset()), {
      timeoutMs: 30_000,
      what: 'the group to commit every message',
    });

    const ready = await fetch(`http://127.0.0.1:${proc.port}/readyz`);
    expect(ready.status).toBe(200);
    const readiness = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(Object.keys(readiness.checks).sort()).toEqual([
      'clickhouse',
      'kafka',
      'postgres',
      'progress',
      's3',
    ]);
    const metrics = await (await fetch(`http://127.0.0.1:${proc.port}/metrics`)).text();
    expect(metrics).toMatch(/course_sink_syncs_total\{outcome="succeeded"\} [1-9]/);
    expect(metrics).toMatch(/course_sink_rows_written_total\{table="course_blocks"\} [1-9]/);
    expect(metrics).toMatch(/^course_sink_courses_retrying 0$/m);
    expect(metrics).toMatch(/^course_sink_courses_parked_total 0$/m);
    expect(metrics).toMatch(/course_sink_export_builds_total\{outcome="succeeded"\} 1/);
    expect(metrics).toMatch(
      /course_sink_events_consumed_total\{event_type="org\.openedx\.content_authoring\.xblock\.published\.v1"\} [1-9]/,
    );

    expect(await proc.stop()).toBe(0);
  });

  it('waits on credentials the LMS refuses, not ready with the cause, without parking any course', async () => {
    // One attempt per course: a misconfiguration counted against the course would park it at once.
    const proc = await startConsumer(uniqueName('e2e-misconfigured', '-'), {
      LMS_OAUTH_CLIENT_SECRET: 'not-the-secret',
      SYNC_MAX_ATTEMPTS: '1',
    });
    const readiness = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${proc.port}/readyz`);
        const body = (await res.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
        return res.status === 503 && body.checks.progress?.ok === false ? body : undefined;
      },
      { timeoutMs: 60_000, what: `readiness to report the refused credentials; output:\n${proc.tail()}` },
    );
    expect(readiness.checks.progress!.error).toMatch(/LMS_OAUTH/);
    expect(readiness.checks.clickhouse!.ok).toBe(true);
    // Between attempts the course counts as retrying; during one it is in flight.
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${proc.port}/metrics`)).text();
        return /^course_sink_courses_retrying [1-9]/m.test(text) && text;
      },
      { timeoutMs: 30_000, what: 'the course to be counted as retrying' },
    );
    expect(metrics).toMatch(/^course_sink_courses_parked_total 0$/m);
  });

  it('leaves the state unchanged when the topic is consumed again from the start', async () => {
    const before = await stores.dumps('course_blocks', COURSE);
    const { rows: runsBefore } = await stores.pg.query('SELECT * FROM course_runs ORDER BY id');
    const proc = await startConsumer(uniqueName('e2e-replay', '-'));
    // The course is as the last dump holds it: the replayed events find the same rows and write no dump.
    await waitFor(() => proc.logs().some((l) => /already holds these rows/.test(String(l.msg))), {
      timeoutMs: 60_000,
      what: `the replayed sync; consumer output:\n${proc.tail()}`,
    });
    expect(await stores.dumps('course_blocks', COURSE)).toEqual(before);
    await expectEveryDumpComplete();
    const { rows: runsAfter } = await stores.pg.query('SELECT * FROM course_runs ORDER BY id');
    expect(runsAfter).toEqual(runsBefore);
    // Same inputs, same hash: no second archive.
    expect(await stores.exports(COURSE)).toHaveLength(1);
    await proc.stop();
  });

  it('loses nothing and shows no partial dump when killed with SIGKILL in the middle of a sync', async () => {
    const first = await startCaughtUpConsumer();
    const before = (await stores.dumps('course_blocks', COURSE)).length;
    const offsetBefore = await committed();
    lms.slow(4_000, '/api/courses/v2/blocks');
    await publishAndReachLms();
    await first.kill();
    expect(await committed()).toBe(offsetBefore);

    lms.slow(0);
    const second = await startConsumer();
    await waitForDumps(before + 1, second);
    await waitFor(async () => (await committed()) === (await endOffset()), {
      timeoutMs: 30_000,
      what: 'the commit',
    });
    await expectEveryDumpComplete();
    await second.stop();
  });

  it('on SIGTERM finishes a sync that fits in the grace period, commits it, and exits 0', async () => {
    lms.slow(2_000, '/api/courses/v2/blocks');
    const proc = await startCaughtUpConsumer();
    const before = (await stores.dumps('course_blocks', COURSE)).length;
    await publishAndReachLms();
    expect(await proc.stop()).toBe(0);
    lms.slow(0);
    expect((await stores.dumps('course_blocks', COURSE)).length).toBe(before + 1);
    expect(await committed()).toBe(await endOffset());
    await expectEveryDumpComplete();
  });

  it('on SIGTERM abandons a sync that outlives the grace period, commits nothing for it, and exits 0', async () => {
    const proc = await startCaughtUpConsumer();
    const before = (await stores.dumps('course_blocks', COURSE)).length;
    const offsetBefore = await committed();
    lms.slow(15_000, '/api/courses/v2/blocks');
    await publishAndReachLms();
    expect(await proc.stop()).toBe(0);
    expect(await committed()).toBe(offsetBefore);
    expect((await stores.dumps('course_blocks', COURSE)).length).toBe(before);

    // The abandoned event is delivered again to the next consumer.
    lms.slow(0);
    const next = await startConsumer();
    await waitForDumps(before + 1, next);
    await waitFor(async () => (await committed()) === (await endOffset()), {
      timeoutMs: 30_000,
      what: 'the commit',
    });
    await next.stop();
  });

  it('retries without committing while ClickHouse is down for 20 s, then completes', async () => {
    const proc = await startCaughtUpConsumer();
    const before = (await stores.dumps('course_blocks', COURSE)).length;
    const offsetBefore = await committed();
    await stack('down', 'clickhouse');
    try {
      await publish();
      await waitFor(
        () => proc.logs().some((l) => typeof l.msg === 'string' && /retry/.test(l.msg) && l.level === 40),
        {
          timeoutMs: 30_000,
          what: 'a retry to be logged',
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      expect(await committed()).toBe(offsetBefore);
    } finally {
      await stack('up', 'clickhouse');
    }
    await waitForDumps(before + 1, proc, 120_000);
    await waitFor(async () => (await committed()) === (await endOffset()), {
      timeoutMs: 30_000,
      what: 'the commit',
    });
    await expectEveryDumpComplete();
    await proc.stop();
  }, 300_000);
});

async function stack(command: 'up' | 'down', service: string): Promise<void> {
  await promisify(execFile)('bash', [path.join(repoRoot, 'scripts/stack'), command, service], {
    cwd: repoRoot,
  });
}
