/**
 * Removes archives whose upload never reached the final transaction, so a crashed build leaves no orphan in the
 * bucket.
 */
import type { Logger } from '../../log.js';
import type { SqlClient } from '../postgres/sql-client.js';
import type { ExportStore } from './store.js';

const ABANDONED = `
SELECT id, key FROM s3_files
WHERE status = 'pending' AND bucket = $1 AND created_at <= now() - make_interval(secs => $2::double precision / 1000)
ORDER BY id LIMIT 500`;

/**
 * Deletes archives whose upload never reached the final transaction (a worker crashed or lost its job),
 * object first and row second, so a failure in between leaves a row that the next run retries rather than
 * an object nobody knows about. olderThanMs must exceed the longest build, or a live upload is removed.
 */
export async function cleanupPendingUploads(
  deps: { sql: SqlClient; store: ExportStore; logger?: Logger },
  olderThanMs: number,
): Promise<number> {
  const { rows } = await deps.sql.query<{ id: string; key: string }>(ABANDONED, [
    deps.store.bucket,
    olderThanMs,
  ]);
  let removed = 0;
  for (const row of rows) {
    await deps.store.delete(row.key);
    const res = await deps.sql.query("DELETE FROM s3_files WHERE id = $1 AND status = 'pending'", [row.id]);
    removed += res.rowCount;
    deps.logger?.info({ key: row.key, bucket: deps.store.bucket }, 'removed an abandoned export upload');
  }
  return removed;
}
