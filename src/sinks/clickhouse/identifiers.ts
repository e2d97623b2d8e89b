/**
 * Guards what configuration splices into SQL (database and cluster names), and quotes string literals for
 * servers without query parameters.
 */

import { PermanentError } from '../../errors.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CLUSTER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A database or table name from configuration; anything else is refused rather than quoted. */
export function assertIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new PermanentError(
      `${what} "${name}" is not a plain ClickHouse identifier (letters, digits, _); fix the configuration`,
    );
  }
  return name;
}

/** A cluster name goes inside single quotes (`ON CLUSTER '<name>'`), so it may also hold `-` and `.`. */
export function assertClusterName(name: string): string {
  if (!CLUSTER_NAME.test(name)) {
    throw new PermanentError(
      `CLICKHOUSE_CLUSTER "${name}" may only hold letters, digits, _, - and .; fix the configuration`,
    );
  }
  return name;
}

/** A ClickHouse string literal; used only where the server predates query parameters (19.11). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
