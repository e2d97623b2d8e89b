import type { Logger } from '../log.js';
import {
  createExportSink,
  exportStoreFor,
  runOnce,
  runWorker,
  type ExportStore,
  type RunOnceResult,
} from '../sinks/exports/index.js';
import type { ExportSink } from '../sync/ports.js';
import type { Config } from './config.js';
import type { Metrics } from './metrics.js';
import type { Stores } from './stores.js';

/** The export side of the service: the sink the sync queues builds through, and the worker that builds them. */
export interface ExportsRuntime {
  sink: ExportSink;
  store: ExportStore;
  startWorker(): void;
  /** Stops the loop after the build in progress; an unfinished build is reclaimed by a later worker. */
  stopWorker(): Promise<void>;
  /** Builds every queued archive now, for one-shot commands. */
  drain(): Promise<RunOnceResult[]>;
  close(): void;
}

export function createExports(
  config: Config,
  stores: Stores,
  logger: Logger,
  metrics?: Metrics,
): ExportsRuntime {
  const store = exportStoreFor({ s3: config.s3, dataDir: config.dataDir });
  const log = logger.child({ component: 'exports' });
  const workerOptions = {
    sql: stores.postgres,
    store,
    logger: log,
    onResult: (result: RunOnceResult) => {
      if (result.status === 'built') metrics?.exportBuilt('succeeded');
      if (result.status === 'failed') metrics?.exportBuilt('failed');
    },
  };
  let running: { abort: AbortController; done: Promise<void> } | undefined;

  return {
    sink: createExportSink({
      sql: stores.postgres,
      includeMedia: config.exports.includeMedia,
      instructorName: config.exports.instructorName,
    }),
    store,
    startWorker() {
      if (running) return;
      const abort = new AbortController();
      running = { abort, done: runWorker({ ...workerOptions, signal: abort.signal }) };
    },
    async stopWorker() {
      if (!running) return;
      running.abort.abort();
      await running.done;
      running = undefined;
    },
    async drain() {
      const results: RunOnceResult[] = [];
      for (;;) {
        const result = await runOnce(workerOptions);
        if (result.status === 'idle') return results;
        workerOptions.onResult(result);
        results.push(result);
      }
    },
    close() {
      store.close?.();
    },
  };
}

export interface LatestExport {
  uid: string;
  inputsHash: string;
  outputSha512: string;
  bucket: string;
  key: string;
  size: number;
  createdAt: Date;
}

const LATEST_EXPORT = `
SELECT e.uid, e.inputs_hash, e.output_sha512, e.created_at, f.bucket, f.key, f.size
FROM course_exports e JOIN s3_files f ON f.id = e.s3_file_id
WHERE e.course_key = $1 ORDER BY e.created_at DESC, e.uid ASC LIMIT 1`;

/** The course's current export (latest created_at, ties by uid), or undefined when none was built. */
export async function latestExport(stores: Stores, courseKey: string): Promise<LatestExport | undefined> {
  const { rows } = await stores.postgres.query<{
    uid: string;
    inputs_hash: string;
    output_sha512: string;
    created_at: number;
    bucket: string;
    key: string;
    size: string | number;
  }>(LATEST_EXPORT, [courseKey]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    uid: row.uid,
    inputsHash: row.inputs_hash,
    outputSha512: row.output_sha512,
    bucket: row.bucket,
    key: row.key,
    size: Number(row.size),
    createdAt: new Date(Number(row.created_at) * 1000),
  };
}
