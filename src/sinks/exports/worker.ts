/**
 * The export worker: claims a queued build, streams its archive to the store, and records it in course_exports
 * in one transaction.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../log.js';
import { isRetryable, PermanentError, RetryableError } from '../../errors.js';
import { EXPORTER_VERSION_WITH_MEDIA } from '../../outline/export-manifest.js';
import type { SqlClient } from '../postgres/sql-client.js';
import { archiveStream, DigestingStream } from './archive.js';
import { cleanupPendingUploads } from './janitor.js';
import { archiveLayout } from './layout.js';
import { lazyDownload } from './media.js';
import { exportObjectKey, newExportUid } from './names.js';
import {
  claim,
  complete,
  DEFAULT_RETRY_POLICY,
  fail,
  heartbeat,
  reclaimStale,
  release,
  type ExportJob,
  type RetryPolicy,
} from './queue.js';
import type { ExportStore } from './store.js';

export interface ExportWorkerOptions {
  sql: SqlClient;
  store: ExportStore;
  logger: Logger;
  workerId?: string;
  maxMediaBytes?: number;
  /** A running job whose worker has not renewed it for this long is given to another worker. */
  leaseMs?: number;
  retry?: RetryPolicy;
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
}

export type RunOnceResult =
  | { status: 'idle' }
  | { status: 'built'; jobId: string; courseKey: string; exportUid: string; sizeBytes: number; ms: number }
  | {
      status: 'failed';
      jobId: string;
      courseKey: string;
      next: 'queued' | 'failed' | 'not-held';
      error: string;
    }
  | { status: 'released'; jobId: string; courseKey: string };

const DEFAULT_LEASE_MS = 5 * 60_000;
const DEFAULT_MAX_MEDIA_BYTES = 2 * 1024 ** 3;

const RUN_OF_COURSE = 'SELECT id, course_id FROM course_runs WHERE courseware_id = $1';

const INSERT_PENDING_FILE = `
INSERT INTO s3_files (key, bucket, content_type, status) VALUES ($1, $2, 'application/zip', 'pending') RETURNING id`;

const MARK_STORED = `
UPDATE s3_files SET status = 'stored', size = $2, sha512 = $3 WHERE id = $1 AND status = 'pending'`;

const INSERT_EXPORT = `
INSERT INTO course_exports (uid, course_id, course_run_id, course_key, inputs_hash, s3_file_id, output_sha512, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, extract(epoch FROM clock_timestamp()))`;

export function defaultWorkerId(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Claims one due job and builds its archive: pending s3_files row, streamed upload, then ONE transaction
 * that marks the file stored, records the export and completes the job. A crash anywhere before that
 * commit leaves no export, a job that reclaimStale re-queues, and a pending row the janitor removes.
 */
export async function runOnce(options: ExportWorkerOptions): Promise<RunOnceResult> {
  const workerId = options.workerId ?? defaultWorkerId();
  const job = await claim(options.sql, workerId);
  if (!job) return { status: 'idle' };
  const log = options.logger.child({ courseKey: job.courseKey, exportJobId: job.id, attempt: job.attempts });
  const started = performance.now();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const beat = setInterval(
    () => {
      heartbeat(options.sql, job).catch((err: unknown) => log.warn({ err }, 'export job heartbeat failed'));
    },
    Math.max(1000, leaseMs / 3),
  );
  try {
    const built = await buildAndRecord(job, options);
    const ms = Math.round(performance.now() - started);
    log.info({ exportUid: built.exportUid, sizeBytes: built.sizeBytes, ms }, 'course export built');
    return { status: 'built', jobId: job.id, courseKey: job.courseKey, ...built, ms };
  } catch (err) {
    if (options.signal?.aborted) {
      await release(options.sql, job).catch(() => undefined);
      log.info('course export interrupted by shutdown; job returned to the queue');
      return { status: 'released', jobId: job.id, courseKey: job.courseKey };
    }
    const message = err instanceof Error ? err.message : String(err);
    const next = await fail(
      options.sql,
      job,
      { message, permanent: !isRetryable(err) },
      options.retry ?? DEFAULT_RETRY_POLICY,
    );
    log.error({ err, next }, `course export of ${job.courseKey} failed`);
    return { status: 'failed', jobId: job.id, courseKey: job.courseKey, next, error: message };
  } finally {
    clearInterval(beat);
  }
}

async function buildAndRecord(
  job: ExportJob,
  options: ExportWorkerOptions,
): Promise<{ exportUid: string; sizeBytes: number }> {
  const { sql, store } = options;
  const run = (await sql.query<{ id: string; course_id: string }>(RUN_OF_COURSE, [job.courseKey])).rows[0];
  if (!run) {
    throw new RetryableError(
      `export of ${job.courseKey}: no course_runs row has courseware_id ${job.courseKey}; the catalog sync ` +
        'creates it, so this retries; if it persists, check that the catalog sink ran for this course',
    );
  }
  const exportUid = newExportUid();
  const key = exportObjectKey(job.courseKey, exportUid);
  const fileId = (await sql.query<{ id: string }>(INSERT_PENDING_FILE, [key, store.bucket])).rows[0]!.id;

  // The manifest alone decides, so the archive always matches the hash it is recorded under.
  const includeMedia = job.manifest.exporterVersion === EXPORTER_VERSION_WITH_MEDIA;
  const entries = archiveLayout(job.manifest, { includeMedia });
  const media = {
    maxBytes: options.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES,
    signal: options.signal,
    fetch: options.fetch,
  };
  const zip = archiveStream(entries, (url) => lazyDownload(url, job.courseKey, media));
  const digest = new DigestingStream();
  // Our object is unused when anything below fails, unless a COMMIT that reported an error did land:
  // so it is removed only while its row is still pending. The janitor is the backstop when that fails too.
  const discardUpload = async () => {
    zip.destroy();
    digest.destroy();
    try {
      const row = (await sql.query<{ status: string }>('SELECT status FROM s3_files WHERE id = $1', [fileId]))
        .rows[0];
      if (row?.status !== 'pending') return;
      await store.delete(key);
      await sql.query("DELETE FROM s3_files WHERE id = $1 AND status = 'pending'", [fileId]);
    } catch {
      return;
    }
  };
  try {
    await Promise.all([
      pipeline(zip, digest, { signal: options.signal }),
      store.put(key, digest, 'application/zip', options.signal),
    ]);
    const sha512 = digest.digest();
    await sql.transaction(async (tx) => {
      if ((await tx.query(MARK_STORED, [fileId, digest.size, sha512])).rowCount !== 1) {
        throw new RetryableError(
          `export of ${job.courseKey}: s3_files row ${fileId} (${key}) was removed while uploading; ` +
            'the janitor age is shorter than this build, so raise it',
        );
      }
      await tx.query(INSERT_EXPORT, [
        exportUid,
        run.course_id,
        run.id,
        job.courseKey,
        job.inputsHash,
        fileId,
        sha512,
      ]);
      if (!(await complete(tx, job))) {
        throw new PermanentError(`export of ${job.courseKey}: job ${job.id} was reclaimed from this worker`);
      }
    });
  } catch (err) {
    await discardUpload();
    throw err;
  }
  return { exportUid, sizeBytes: digest.size };
}

export interface RunWorkerOptions extends ExportWorkerOptions {
  signal: AbortSignal;
  pollMs?: number;
  /** Pending uploads older than this are abandoned; keep it well above the longest build. */
  janitorAgeMs?: number;
  /** Called with every build's outcome, e.g. for metrics. */
  onResult?: (result: RunOnceResult) => void;
}

/** The worker loop: build until the queue is empty, then poll; reclaims stale jobs and sweeps uploads. */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const workerId = options.workerId ?? defaultWorkerId();
  const pollMs = options.pollMs ?? 5_000;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const janitorAgeMs = options.janitorAgeMs ?? 6 * 60 * 60_000;
  let lastMaintenance = 0;
  options.logger.info({ workerId }, 'export worker started');
  while (!options.signal.aborted) {
    try {
      if (Date.now() - lastMaintenance >= leaseMs / 2) {
        lastMaintenance = Date.now();
        const reclaimed = await reclaimStale(options.sql, leaseMs, options.retry);
        if (reclaimed > 0)
          options.logger.warn({ reclaimed }, 'returned export jobs of stopped workers to the queue');
        await cleanupPendingUploads(options, janitorAgeMs);
      }
      const result = await runOnce({ ...options, workerId });
      if (result.status !== 'idle') {
        options.onResult?.(result);
        continue;
      }
    } catch (err) {
      options.logger.error({ err }, 'export worker iteration failed; retrying after the poll interval');
    }
    await sleep(pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  options.logger.info({ workerId }, 'export worker stopped');
}
