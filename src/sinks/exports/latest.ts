/**
 * The course's current export archive as `course_exports` and `s3_files` record it: what `sync`, `export`
 * and `demo` print after a build. The queue orders by the same (created_at, uid) to find the current hash.
 */
import type { SqlClient } from '../postgres/sql-client.js';

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

/** The latest created_at wins, ties by uid; undefined when no archive was built for the course. */
export async function latestExport(sql: SqlClient, courseKey: string): Promise<LatestExport | undefined> {
  const { rows } = await sql.query<{
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
