/**
 * What the rest of course-sink uses of the export side: the sink the sync queues through, the queue, the worker
 * and the archive stores.
 */
export { createExportSink } from './sink.js';
export {
  enqueueIfChanged,
  claim,
  complete,
  fail,
  release,
  heartbeat,
  reclaimStale,
  DEFAULT_RETRY_POLICY,
  type ExportJob,
  type EnqueueOutcome,
  type RetryPolicy,
} from './queue.js';
export {
  runOnce,
  runWorker,
  type ExportWorkerOptions,
  type RunWorkerOptions,
  type RunOnceResult,
} from './worker.js';
export { cleanupPendingUploads } from './janitor.js';
export {
  createS3Store,
  createLocalDirStore,
  exportStoreFor,
  type ExportStore,
  type S3StoreConfig,
} from './store.js';
export { latestExport, type LatestExport } from './latest.js';
