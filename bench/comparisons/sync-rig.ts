import { newDump } from '../../src/domain/dump.js';
import { LmsClient } from '../../src/openedx/lms/client.js';
import { buildOutline } from '../../src/outline/index.js';
import { courseBlocks } from '../../src/sinks/clickhouse/tables/course-blocks.js';
import { courseOverviews } from '../../src/sinks/clickhouse/tables/course-overviews.js';
import { courseRelationships } from '../../src/sinks/clickhouse/tables/course-relationships.js';
import { ClickHouseCourseSink } from '../../src/sinks/clickhouse/sink.js';
import { dumpColumns } from '../../src/sinks/clickhouse/tables/descriptor.js';
import type { BenchClickHouse } from './clickhouse-target.js';
import { benchCourseKey, type LmsPeer } from './lms-peer.js';

interface RecordedRequest {
  url: string;
  headers: Record<string, string>;
  status: number;
  error?: string;
}

/** What the baseline replays: the LMS requests the client made, and the rows the real path would write. */
export interface PreparedBaseline {
  courseKey: string;
  requests: RecordedRequest[];
  tables: Array<{ table: string; rows: object[] }>;
  rowCount: number;
}

export interface BaselineTimes {
  fetchMs: number;
  insertMs: number;
}

/**
 * The two ways of getting one LMS course into ClickHouse that the sync rows compare:
 *
 * - `realSync`: what the service runs, LmsClient.getSnapshot → buildOutline → ClickHouseCourseSink.writeCourse,
 *   a new dump each time;
 * - `baselineSync`: the floor under it, a plain fetch of the same two LMS requests (bodies read in full, the
 *   token obtained once) and one `INSERT … FORMAT JSONEachRow` per table of rows computed once beforehand.
 */
export class SyncRig {
  private readonly lmsClient: LmsClient;
  private readonly sink: ClickHouseCourseSink;
  private recording: RecordedRequest[] | undefined;
  /** LMS requests the client retried, with why: a retry inside a timed run makes that run slower. */
  readonly retries: string[] = [];

  constructor(
    private readonly clickhouse: BenchClickHouse,
    lms: LmsPeer,
  ) {
    const recordingFetch: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      const recording = this.recording;
      if (!recording || !url.includes('/api/')) return fetch(input, init);
      return fetch(input, init).then(
        (res) => {
          recording.push({
            url,
            headers: { ...(init?.headers as Record<string, string>) },
            status: res.status,
          });
          return res;
        },
        (err: unknown) => {
          recording.push({ url, headers: {}, status: 0, error: String((err as Error).cause ?? err) });
          throw err;
        },
      );
    };
    this.lmsClient = new LmsClient({
      baseUrl: lms.url,
      clientId: lms.credentials.clientId,
      clientSecret: lms.credentials.clientSecret,
      fetch: recordingFetch,
      logger: {
        warn: (_obj, msg) => void this.retries.push(msg),
        debug: () => undefined,
      },
    });
    this.sink = new ClickHouseCourseSink({
      client: clickhouse.connection.client,
      database: clickhouse.database,
      capabilities: clickhouse.connection.capabilities,
    });
  }

  /** One sync of the course of this size; returns the rows written. */
  async realSync(blocks: number): Promise<number> {
    // As syncCourse does it: the latest dump is looked up while the LMS answers.
    const latest = this.sink.latestDump(benchCourseKey(blocks));
    const snapshot = await this.lmsClient.getSnapshot(benchCourseKey(blocks));
    const outline = buildOutline(snapshot.blocks);
    const dump = newDump();
    const { rowsByTable } = await this.sink.writeCourse({ snapshot, outline, dump, latest });
    return Object.values(rowsByTable).reduce((a, b) => a + b, 0);
  }

  /** Fetches the course once through the client (untimed), noting its requests and computing its rows. */
  async prepareBaseline(blocks: number): Promise<PreparedBaseline> {
    const courseKey = benchCourseKey(blocks);
    this.recording = [];
    const snapshot = await this.lmsClient.getSnapshot(courseKey);
    // A request the client retried appears twice; the baseline replays the answered one.
    const requests = this.recording.filter((r) => r.status === 200);
    this.recording = undefined;
    if (requests.length !== 2)
      throw new Error(
        `expected the LMS client to make 2 API requests for ${courseKey}, saw ${requests.length}: ` +
          JSON.stringify(requests.map(({ url, status, error }) => ({ url, status, error }))),
      );
    const outline = buildOutline(snapshot.blocks);
    const stamp = dumpColumns(newDump());
    const tables = [courseOverviews, courseBlocks, courseRelationships].map((t) => ({
      table: t.table,
      rows: [...t.rows({ snapshot, outline }, stamp)],
    }));
    return { courseKey, requests, tables, rowCount: tables.reduce((n, t) => n + t.rows.length, 0) };
  }

  async baselineSync(prepared: PreparedBaseline): Promise<BaselineTimes> {
    const started = performance.now();
    await Promise.all(
      prepared.requests.map(async ({ url, headers }) => {
        const res = await fetch(url, { headers });
        const body = await res.text();
        if (!res.ok)
          throw new Error(`baseline fetch of ${url} answered ${res.status}: ${body.slice(0, 200)}`);
      }),
    );
    const fetched = performance.now();
    for (const { table, rows } of prepared.tables) {
      await this.clickhouse.connection.client.insert({
        table: `${this.clickhouse.database}.${table}`,
        values: rows,
        format: 'JSONEachRow',
      });
    }
    return { fetchMs: fetched - started, insertMs: performance.now() - fetched };
  }
}
