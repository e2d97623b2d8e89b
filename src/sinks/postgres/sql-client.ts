/**
 * The one way course-sink talks to Postgres: parameterized queries and transactions. Implemented
 * over `pg` (a server at DATABASE_URL) and over PGlite (embedded, in-process) so every query,
 * migration and job runs unchanged on both.
 */
export interface SqlClient {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number }>;
  /** Runs fn in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
