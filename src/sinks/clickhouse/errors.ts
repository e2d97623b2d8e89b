/**
 * Classifies every ClickHouse failure as retryable, permanent or a misconfiguration, with a message naming
 * what was being done: that decides whether the sync retries, waits for an operator or dead-letters the
 * events.
 */

import { MisconfigurationError, PermanentError, RetryableError } from '../../errors.js';

/**
 * ClickHouse error codes that describe a passing condition of the server or the network, worth
 * retrying. Configuration problems (below) are retried too. Every other server error (syntax, a value
 * that does not parse) will fail the same way again for this course, so it is permanent.
 */
const RETRYABLE_SERVER_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE: body cut off in transit
  32, // ATTEMPT_TO_READ_AFTER_EOF
  159, // TIMEOUT_EXCEEDED
  160, // TOO_SLOW
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  225, // NO_ZOOKEEPER
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY (replica lost its Keeper session)
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  285, // TOO_FEW_LIVE_REPLICAS
  286, // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  999, // KEEPER_EXCEPTION
  1000, // POCO_EXCEPTION
]);

const AUTH_CODES = new Set([192, 193, 194, 516]); // UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED

/**
 * The deployment, not the course, is wrong: a missing grant, database, table or column. Every course
 * would fail alike, so events wait (retried, not dead-lettered) until an operator fixes it.
 */
const CONFIGURATION_CODES = new Set([
  16, // NO_SUCH_COLUMN_IN_TABLE: tables older than the migrations
  60, // UNKNOWN_TABLE
  81, // UNKNOWN_DATABASE
  497, // ACCESS_DENIED
]);

/** `Code: 193, e.displayText() = …` (18.16) and `Code: 193. DB::Exception: … (TYPE)` (modern). */
const SERVER_CODE_RE = /\bCode: (\d+)[.,]/;

/** The ClickHouse error code of a server-side failure, or undefined for network/client failures. */
export function clickHouseErrorCode(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  const m = SERVER_CODE_RE.exec(err.message);
  return m?.[1] ? Number(m[1]) : undefined;
}

/**
 * Wraps any failure of a ClickHouse call into RetryableError or PermanentError, with a message that
 * says what was being done (course, table) and what the operator can do about it.
 */
export function classifyClickHouseError(err: unknown, doing: string): RetryableError | PermanentError {
  if (err instanceof RetryableError || err instanceof PermanentError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  const code = clickHouseErrorCode(err);
  if (code === undefined) {
    return new RetryableError(
      `${doing} failed before ClickHouse answered (${detail}); will retry — check that the server is up and reachable`,
      { cause: err },
    );
  }
  if (RETRYABLE_SERVER_CODES.has(code)) {
    return new RetryableError(`${doing} failed with a transient ClickHouse error (code ${code}): ${detail}`, {
      cause: err,
    });
  }
  if (AUTH_CODES.has(code)) {
    return new MisconfigurationError(
      `${doing} was refused: ClickHouse rejected the credentials (code ${code}); check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD — events wait until it is fixed`,
      { cause: err },
    );
  }
  if (CONFIGURATION_CODES.has(code)) {
    return new MisconfigurationError(
      `${doing} failed with ClickHouse error code ${code}: ${detail}; check CLICKHOUSE_DATABASE, the user's grants, and run \`course-sink migrate\` — events wait until it is fixed`,
      { cause: err },
    );
  }
  return new PermanentError(
    `${doing} failed with ClickHouse error code ${code}: ${detail}; retrying will not help for this course — check the row values`,
    { cause: err },
  );
}
