import { MisconfigurationError, PermanentError, RetryableError } from '../../errors.js';

/** Node socket errors that mean "the server is not reachable right now". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * SQLSTATE classes that clear up on their own: connection exceptions (08), serialization failures and
 * deadlocks (40), insufficient resources (53), operator intervention such as a restart (57), lock not
 * available (55P03). Everything else the server reports (constraint violations, syntax, bad data) is permanent.
 */
function isTransientSqlState(code: string): boolean {
  return ['08', '40', '53', '57'].includes(code.slice(0, 2)) || code === '55P03';
}

/**
 * The deployment, not the course, is wrong: bad credentials (28), missing privileges (42501), a missing
 * table or column (42P01, 42703: migrations not run), a missing database (3D000). Every course would fail
 * alike, so events wait (retried, not dead-lettered) until an operator fixes it.
 */
function isConfigurationSqlState(code: string): boolean {
  return code.startsWith('28') || ['42501', '42P01', '42703', '3D000'].includes(code);
}

interface PgLikeError {
  code?: unknown;
  table?: unknown;
  constraint?: unknown;
  detail?: unknown;
  message?: unknown;
}

/** "INSERT INTO course_runs", "UPDATE courses", … — the operation and table a statement touches, for messages. */
export function describeStatement(text: string): string {
  const flat = text
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const m =
    /\b(INSERT INTO|UPDATE|DELETE FROM|CREATE TABLE(?: IF NOT EXISTS)?|ALTER TABLE|CREATE (?:UNIQUE )?INDEX(?: IF NOT EXISTS)? \w+ ON)\s+("?[\w.]+"?)/i.exec(
      flat,
    ) ?? /\b(SELECT)\b.*?\bFROM\s+("?[\w.]+"?)/i.exec(flat);
  if (m?.[1] && m[2]) return `${m[1].toUpperCase()} ${m[2]}`;
  const first = flat.split(' ')[0];
  return first ? first.toUpperCase() : 'statement';
}

/**
 * Turns whatever a driver threw into RetryableError or PermanentError with a message that names the
 * statement, the table and constraint the server blamed, and what the operator can do. Errors that are
 * already classified pass through unchanged.
 */
export function toSqlError(err: unknown, what: string): RetryableError | PermanentError {
  if (err instanceof RetryableError || err instanceof PermanentError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as PgLikeError;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const where = [
    typeof e.table === 'string' ? `table ${e.table}` : undefined,
    typeof e.constraint === 'string' ? `constraint ${e.constraint}` : undefined,
    code && /^[0-9A-Z]{5}$/.test(code) ? `SQLSTATE ${code}` : code,
  ]
    .filter(Boolean)
    .join(', ');
  const detail = typeof e.detail === 'string' ? ` (${e.detail})` : '';
  const base = `postgres: ${what} failed: ${message}${detail}${where ? ` [${where}]` : ''}`;

  const network = code !== undefined && NETWORK_CODES.has(code);
  const sqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (network || /connection terminated|timeout exceeded when trying to connect/i.test(message)) {
    return new RetryableError(
      `${base}; the server is unreachable: check DATABASE_URL and that Postgres is up (will retry)`,
      {
        cause: err,
      },
    );
  }
  if (sqlState && isTransientSqlState(sqlState)) {
    return new RetryableError(`${base}; transient, will retry`, { cause: err });
  }
  if (sqlState && isConfigurationSqlState(sqlState)) {
    return new MisconfigurationError(
      `${base}; a configuration problem: check DATABASE_URL, the role's privileges, and run \`course-sink migrate\` (events wait until it is fixed)`,
      { cause: err },
    );
  }
  if (sqlState) {
    return new PermanentError(
      `${base}; retrying will not help: fix the data or the schema (run migrations?)`,
      {
        cause: err,
      },
    );
  }
  return new RetryableError(`${base}; unexpected failure, will retry`, { cause: err });
}
