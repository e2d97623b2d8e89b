import { newDump } from '../../src/domain/dump.js';
import { Readable } from 'node:stream';
import { text as consume } from 'node:stream/consumers';
import { LmsClient } from '../../src/openedx/lms/client.js';
import { buildOutline } from '../../src/outline/index.js';
import { courseBlocks } from '../../src/sinks/clickhouse/tables/course-blocks.js';
import { courseOverviews } from '../../src/sinks/clickhouse/tables/course-overviews.js';
import { courseRelationships } from '../../src/sinks/clickhouse/tables/course-relationships.js';
import { ClickHouseCourseSink } from '../../src/sinks/clickhouse/sink.js';
import { dumpColumns } from '../../src/sinks/clickhouse/tables/descriptor.js';
import { runBackfill } from '../../src/sync/backfill.js';
import { peakRssBytes, resetPeakRss } from '../memory.js';
import { openBenchClickHouse } from './clickhouse-target.js';
import { BACKFILL_SIZES, backfillCourseKey, type LmsHostReady } from './lms-peer.js';

export interface BackfillReport {
  courses: number;
  ms: number;
  /** Peak RSS (VmHWM) once `checkpoint` courses were done, and at the end. */
  peakAtCheckpointBytes: number;
  peakAtEndBytes: number;
  checkpoint: number;
  beforeBytes: number;
  failed: number;
  clickhouse: string;
}

const CONCURRENCY = 4;

/**
 * One whole backfill in a process of its own (`figure`: runBackfill over the real sync path, LmsClient →
 * buildOutline → ClickHouseCourseSink; `baseline`: the same requests with plain fetch and raw inserts of
 * rows made beforehand), both with concurrency 4. Started by backfill.ts.
 */
async function probe(
  side: string,
  courses: number,
  dataDir: string,
  lms: LmsHostReady,
): Promise<BackfillReport> {
  // A database per side: a server may still be dropping the other side's thousands of parts.
  const clickhouse = await openBenchClickHouse(dataDir, 'configured', `course_sink_bench_backfill_${side}`);
  const { client: ch } = clickhouse.connection;
  const db = clickhouse.database;
  try {
    const lmsClient = new LmsClient({
      baseUrl: lms.url,
      clientId: lms.credentials.clientId,
      clientSecret: lms.credentials.clientSecret,
    });
    const sink = new ClickHouseCourseSink({
      client: ch,
      database: db,
      capabilities: clickhouse.connection.capabilities,
    });
    const keys = Array.from({ length: courses }, (_, n) => backfillCourseKey(n));

    // As syncCourse does it: the latest dump is looked up while the LMS answers.
    const realSync = async (courseKey: string) => {
      const latest = sink.latestDump(courseKey);
      const snapshot = await lmsClient.getSnapshot(courseKey);
      const outline = buildOutline(snapshot.blocks);
      const dump = newDump();
      await sink.writeCourse({ snapshot, outline, dump, latest });
    };

    // The baseline's floor: per size, the JSONEachRow text of a template course's rows, made here (untimed);
    // each course then sends its template's text with its own key in it.
    const recorded: Array<{ url: string; headers: Record<string, string> }> = [];
    const recording = new LmsClient({
      baseUrl: lms.url,
      clientId: lms.credentials.clientId,
      clientSecret: lms.credentials.clientSecret,
      fetch: (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.includes('/api/'))
          recorded.push({ url, headers: { ...(init?.headers as Record<string, string>) } });
        return fetch(input, init);
      },
    });
    const templates = new Map<number, { key: string; tables: Array<[string, string]> }>();
    if (side === 'baseline') {
      for (const [i, blocks] of BACKFILL_SIZES.entries()) {
        const key = backfillCourseKey(i);
        const snapshot = await recording.getSnapshot(key);
        const outline = buildOutline(snapshot.blocks);
        const stamp = dumpColumns(newDump());
        const text = (rows: Iterable<object>) => [...rows].map((r) => JSON.stringify(r) + '\n').join('');
        templates.set(blocks, {
          key,
          tables: [courseOverviews, courseBlocks, courseRelationships].map((t) => [
            t.table,
            text(t.rows({ snapshot, outline }, stamp)),
          ]),
        });
      }
    }
    // The client's two requests for course 0; course n's are the same with its key.
    const requests = recorded.filter((r) => /BackfillX(\+|%2B)C0(\+|%2B)2024/i.test(r.url)).slice(0, 2);
    const baselineSync = async (courseKey: string) => {
      const n = Number(/\+C(\d+)\+/.exec(courseKey)![1]);
      const size = BACKFILL_SIZES[n % BACKFILL_SIZES.length]!;
      await Promise.all(
        requests.map(async ({ url, headers }) => {
          const own = url.replace(
            /BackfillX(\+|%2B)C0(\+|%2B)2024/i,
            (_m, a: string, b: string) => `BackfillX${a}C${n}${b}2024`,
          );
          const res = await fetch(own, { headers });
          await res.text();
          if (!res.ok) throw new Error(`baseline fetch of ${own} answered ${res.status}`);
        }),
      );
      const { key, tables } = templates.get(size)!;
      for (const [table, text] of tables) {
        const rs = await ch.exec({
          query: `INSERT INTO ${db}.${table} FORMAT JSONEachRow`,
          values: Readable.from([text.replaceAll(key.slice(10), courseKey.slice(10))], { objectMode: false }),
        });
        await consume(rs.stream);
      }
    };
    if (side === 'baseline' && requests.length !== 2)
      throw new Error(`expected 2 recorded LMS requests, saw ${requests.length}`);

    const sync = side === 'figure' ? realSync : baselineSync;
    // Warm: the token, the connections, the JIT.
    await sync(keys[0]!);
    const beforeBytes = process.memoryUsage().rss;
    resetPeakRss();
    const checkpoint = Math.min(500, courses);
    let peakAtCheckpointBytes = 0;
    let done = 0;
    const started = performance.now();
    const report = await runBackfill({
      courseKeys: keys.slice(1),
      sync,
      concurrency: CONCURRENCY,
      progress: { isDone: () => false, markDone: async () => undefined, markFailed: async () => undefined },
      onCourse: () => {
        if (++done === checkpoint - 1) peakAtCheckpointBytes = peakRssBytes();
      },
    });
    const ms = performance.now() - started;
    return {
      courses,
      ms,
      peakAtCheckpointBytes,
      peakAtEndBytes: peakRssBytes(),
      checkpoint,
      beforeBytes,
      failed: report.failed.length,
      clickhouse: clickhouse.describe,
    };
  } finally {
    await clickhouse.close();
  }
}

const [side, courses, dataDir, lmsJson] = process.argv.slice(2);
if (!process.send || (side !== 'figure' && side !== 'baseline') || !courses || !dataDir || !lmsJson) {
  console.error('bench/comparisons/backfill-probe.ts is started by the benchmarks');
  process.exit(2);
}
try {
  const report = await probe(side, Number(courses), dataDir, JSON.parse(lmsJson) as LmsHostReady);
  process.send({ ok: true, report }, () => process.exit(0));
} catch (err) {
  process.send({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () =>
    process.exit(1),
  );
}
