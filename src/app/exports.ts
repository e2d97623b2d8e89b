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
