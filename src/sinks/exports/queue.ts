/**
 * The export build queue: a table and a handful of statements rather than pg-boss or graphile-worker.
 * It has to run identically on PGlite in-process (one connection, no LISTEN/NOTIFY workers, no
 * background maintenance process), where those libraries cannot run, and it needs only claim, complete,
 * fail with backoff and reclaim; `FOR UPDATE SKIP LOCKED` gives concurrent workers disjoint jobs on a
 * server, and two partial unique indexes make "one pending build per hash" and "one running build per
 * course" facts the database enforces rather than hopes for.
 */
import { postgresJsonText, postgresStoreText } from '../../domain/store-text.js';
import type { ExportManifest } from '../../outline/export-manifest.js';
import type { SqlClient } from '../postgres/sql-client.js';

export interface ExportJob {
  id: string;
  courseKey: string;
  inputsHash: string;
  manifest: ExportManifest;
  attempts: number;
  lockedBy: string;
}

export type EnqueueOutcome = 'unchanged' | 'queued' | 'already-queued';

export interface RetryPolicy {
  /** After this many failed attempts the job stays failed, with last_error, for an operator to see. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 30_000,
  maxDelayMs: 3_600_000,
};

/** Any fixed pair works; it only has to be the same in every course-sink process sharing a database. */
const ENQUEUE_LOCK_CLASS = 7302;

const LATEST_EXPORT_HASH = `
SELECT inputs_hash FROM course_exports WHERE course_key = $1 ORDER BY created_at DESC, uid ASC LIMIT 1`;

const PENDING_JOBS = `SELECT inputs_hash, status FROM export_jobs WHERE course_key = $1 AND status IN ('queued', 'running')`;

/** A queued build of other inputs is obsolete once a newer sync says what the course is now. */
const DROP_SUPERSEDED = `DELETE FROM export_jobs WHERE course_key = $1 AND status = 'queued' AND inputs_hash <> $2`;

const INSERT_JOB = `
INSERT INTO export_jobs (course_key, inputs_hash, manifest) VALUES ($1, $2, $3::jsonb)
ON CONFLICT (course_key, inputs_hash) WHERE status IN ('queued', 'running') DO NOTHING
RETURNING id`;

/**
 * Queues a build when the course's export inputs differ from its latest export, unless one is pending.
 * Serialized per course by an advisory lock so a concurrent enqueue cannot drop a job this one relies on.
 */
export async function enqueueIfChanged(
  sql: SqlClient,
  input: { courseKey: string; manifest: ExportManifest; inputsHash: string },
): Promise<EnqueueOutcome> {
  return sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ENQUEUE_LOCK_CLASS, input.courseKey]);
    await tx.query(DROP_SUPERSEDED, [input.courseKey, input.inputsHash]);
    const pending = (await tx.query<{ inputs_hash: string; status: string }>(PENDING_JOBS, [input.courseKey]))
      .rows;
    if (pending.some((p) => p.inputs_hash === input.inputsHash)) return 'already-queued';
    const latest = (await tx.query<{ inputs_hash: string }>(LATEST_EXPORT_HASH, [input.courseKey])).rows[0];
    // A build of other inputs still running will become the latest export, so equal-to-latest is not enough.
    const otherRunning = pending.some((p) => p.status === 'running');
    if (latest?.inputs_hash === input.inputsHash && !otherRunning) return 'unchanged';
    const inserted = await tx.query(INSERT_JOB, [
      input.courseKey,
      input.inputsHash,
      // The hash was computed from the original text; the stored manifest holds what jsonb can.
      postgresJsonText(input.manifest),
    ]);
    return inserted.rowCount === 1 ? 'queued' : 'already-queued';
  });
}

const CLAIM = `
UPDATE export_jobs SET status = 'running', locked_by = $1, locked_at = now(), attempts = attempts + 1
WHERE id = (
  SELECT j.id FROM export_jobs j
  WHERE j.status = 'queued' AND j.run_after <= now()
    AND NOT EXISTS (SELECT 1 FROM export_jobs r WHERE r.course_key = j.course_key AND r.status = 'running')
  ORDER BY j.run_after, j.id
  LIMIT 1
  FOR UPDATE SKIP LOCKED
)
RETURNING id, course_key, inputs_hash, manifest, attempts, locked_by`;

type JobRow = {
  id: string;
  course_key: string;
  inputs_hash: string;
  manifest: ExportManifest | string;
  attempts: number;
  locked_by: string;
};

/**
 * Takes the oldest due job whose course has no build running. Two workers racing for two jobs of the same
 * course both pass the NOT EXISTS; the unique index lets one win, and the loser simply tries again.
 */
export async function claim(sql: SqlClient, workerId: string): Promise<ExportJob | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const row = (await sql.query<JobRow>(CLAIM, [workerId])).rows[0];
      if (!row) return null;
      return {
        id: String(row.id),
        courseKey: row.course_key,
        inputsHash: row.inputs_hash,
        manifest:
          typeof row.manifest === 'string' ? (JSON.parse(row.manifest) as ExportManifest) : row.manifest,
        attempts: row.attempts,
        lockedBy: row.locked_by,
      };
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('export_jobs_one_running_per_course')) throw err;
    }
  }
  return null;
}

const COMPLETE = `
UPDATE export_jobs SET status = 'succeeded', locked_by = NULL, locked_at = NULL, last_error = NULL
WHERE id = $1 AND status = 'running' AND locked_by = $2`;

/** Marks the job done; false when this worker no longer holds it (its lease was reclaimed). */
export async function complete(sql: SqlClient, job: Pick<ExportJob, 'id' | 'lockedBy'>): Promise<boolean> {
  return (await sql.query(COMPLETE, [job.id, job.lockedBy])).rowCount === 1;
}

const FAIL = `
UPDATE export_jobs SET
  status = CASE WHEN $3 OR attempts >= $4 THEN 'failed' ELSE 'queued' END,
  run_after = now() + make_interval(secs => $5::double precision / 1000),
  locked_by = NULL, locked_at = NULL, last_error = $6
WHERE id = $1 AND status = 'running' AND locked_by = $2
RETURNING status`;

/**
 * Records a failed attempt: back to queued after an exponential backoff, or failed for good (visible with
 * its last_error) when the error is permanent or the attempts are used up.
 */
export async function fail(
  sql: SqlClient,
  job: Pick<ExportJob, 'id' | 'lockedBy' | 'attempts'>,
  error: { message: string; permanent: boolean },
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<'queued' | 'failed' | 'not-held'> {
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, job.attempts - 1));
  const row = (
    await sql.query<{ status: 'queued' | 'failed' }>(FAIL, [
      job.id,
      job.lockedBy,
      error.permanent,
      policy.maxAttempts,
      delayMs,
      // Messages may quote a course's names, and the cut may split a surrogate pair.
      postgresStoreText(error.message.slice(0, 4000)),
    ])
  ).rows[0];
  return row?.status ?? 'not-held';
}

/** Gives a job back without counting the attempt: the worker is shutting down, not failing. */
export async function release(sql: SqlClient, job: Pick<ExportJob, 'id' | 'lockedBy'>): Promise<boolean> {
  const res = await sql.query(
    `UPDATE export_jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_at = NULL
     WHERE id = $1 AND status = 'running' AND locked_by = $2`,
    [job.id, job.lockedBy],
  );
  return res.rowCount === 1;
}

/** Extends the lease of a job still being built, so reclaimStale leaves a slow build alone. */
export async function heartbeat(sql: SqlClient, job: Pick<ExportJob, 'id' | 'lockedBy'>): Promise<boolean> {
  const res = await sql.query(
    `UPDATE export_jobs SET locked_at = now() WHERE id = $1 AND status = 'running' AND locked_by = $2`,
    [job.id, job.lockedBy],
  );
  return res.rowCount === 1;
}

const RECLAIM = `
UPDATE export_jobs SET
  status = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'queued' END,
  last_error = 'worker ' || locked_by || ' stopped renewing its lease (crashed or stuck)',
  locked_by = NULL, locked_at = NULL
WHERE status = 'running' AND locked_at <= now() - make_interval(secs => $1::double precision / 1000)
RETURNING id`;

/** Returns the jobs of crashed workers (no heartbeat for leaseMs) to the queue; returns how many. */
export async function reclaimStale(
  sql: SqlClient,
  leaseMs: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<number> {
  return (await sql.query(RECLAIM, [leaseMs, policy.maxAttempts])).rowCount;
}
