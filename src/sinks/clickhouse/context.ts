/**
 * What every write of this sink is given, and the one way its queries are retried. A module of its own so
 * that the course writer and the tag writer share it without importing each other.
 */

import type { ClickHouseClient } from '@clickhouse/client';
import type { ServerCapabilities } from './connection.js';
import { classifyClickHouseError } from './errors.js';
import { assertIdentifier } from './identifiers.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';

/** The connection and configuration of one writer, and what it remembers between the courses it writes. */
export interface WriterContext {
  client: ClickHouseClient;
  database: string;
  cluster?: string;
  capabilities: ServerCapabilities;
  pruneRemovedBlocks?: boolean;
  retry?: RetryPolicy;
  /** Tables looked up once per writer (course_relationships may have been dropped by aspects-dbt). */
  tableCache?: Map<string, boolean>;
  /**
   * What this writer has sent, by `dump_id:table`: 'sent' (outcome unknown) or 'done'. A dump id is a fresh
   * UUID of this process, so an insert absent from the ledger cannot have landed before and needs no
   * existence check, and a 'done' one is not sent again. Without a ledger every try checks first.
   */
  insertLedger?: Map<string, 'sent' | 'done'>;
  /** A table's rows of one dump held in memory at most (bytes of JSONEachRow); larger go to a temporary file. */
  spoolMemoryBytes?: number;
}

/** The configured database, refused unless it is a plain identifier (it is spliced into every statement). */
export function databaseOf(ctx: WriterContext): string {
  return assertIdentifier(ctx.database, 'CLICKHOUSE_DATABASE');
}

/**
 * One query or insert, tried by the writer's retry policy; a failure goes up classified (retryable or not)
 * with what was being done, so that the sync's own retry and the operator both know what failed.
 */
export function retried<T>(ctx: WriterContext, doing: string, fn: () => Promise<T>): Promise<T> {
  return withRetry(ctx.retry ?? DEFAULT_RETRY, () =>
    fn().catch((err: unknown) => {
      throw classifyClickHouseError(err, doing);
    }),
  );
}
