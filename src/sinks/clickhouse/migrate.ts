/**
 * Applies the numbered files of `clickhouse/` in order and records each in `course_sink_migrations`.
 *
 * Safe when several pods migrate at once: every statement is `CREATE … IF NOT EXISTS`, so applying a
 * file twice is harmless, and the ledger is a ReplacingMergeTree keyed by file name, so two pods that
 * both record a file leave one row after merges. There is no lock to take or to leave behind.
 */

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { PermanentError } from '../../errors.js';
import { classifyClickHouseError } from './errors.js';
import { assertClusterName, assertIdentifier } from './identifiers.js';
import type { ServerCapabilities } from './connection.js';

export interface MigrateOptions {
  database: string;
  cluster?: string;
  capabilities: Pick<ServerCapabilities, 'boolType'>;
  /** Defaults to the repository's `clickhouse/` folder. */
  migrationsDir?: string;
  now?: () => Date;
}

export interface MigrationFile {
  name: string;
  sql: string;
}

const DEFAULT_DIR = fileURLToPath(new URL('../../../clickhouse/', import.meta.url));
const NUMBERED = /^\d{4}_[a-z0-9_]+\.sql$/;
const LEDGER_FILE = 'course_sink_migrations.sql';

export async function migrateClickHouse(
  client: ClickHouseClient,
  opts: MigrateOptions,
): Promise<{ applied: string[] }> {
  const dir = opts.migrationsDir ?? DEFAULT_DIR;
  const files = await loadMigrations(dir);
  const ledger = await readFile(`${dir}/${LEDGER_FILE}`, 'utf8');
  const database = assertIdentifier(opts.database, 'CLICKHOUSE_DATABASE');

  // The database must exist before the ledger can; 0001 is idempotent, so it runs every time.
  const first = files[0];
  if (!first) throw new PermanentError(`no migration files found in ${dir}`);
  await run(client, renderMigration(first.sql, opts), `migration ${first.name}`);
  await run(client, renderMigration(ledger, opts), 'creating course_sink_migrations');

  const done = await appliedMigrations(client, database);
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file.name)) continue;
    for (const statement of splitStatements(renderMigration(file.sql, opts))) {
      await run(client, statement, `migration ${file.name}`);
    }
    await record(client, database, file, opts.now?.() ?? new Date());
    applied.push(file.name);
  }
  return { applied };
}

export async function loadMigrations(dir: string = DEFAULT_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => NUMBERED.test(n)).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(`${dir}/${name}`, 'utf8') })));
}

/**
 * Fills `{database}`, `{on_cluster}`, `{engine}` and `{replacing_engine}` the way Aspects' alembic
 * templates do. Servers older than 21.12 have neither `Bool` nor the `NOT NULL` modifier, so there
 * the same DDL is sent with `UInt8` and without `NOT NULL` (what those servers store anyway).
 */
export function renderMigration(sql: string, opts: Omit<MigrateOptions, 'migrationsDir' | 'now'>): string {
  const database = assertIdentifier(opts.database, 'CLICKHOUSE_DATABASE');
  const cluster = opts.cluster === undefined ? undefined : assertClusterName(opts.cluster);
  const values: Record<string, string> = {
    database,
    on_cluster: cluster ? `ON CLUSTER '${cluster}'` : '',
    engine: cluster ? 'ReplicatedMergeTree' : 'MergeTree',
    replacing_engine: cluster ? 'ReplicatedReplacingMergeTree' : 'ReplacingMergeTree',
  };
  let out = stripComments(sql).replace(/\{([a-z_]+)\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined)
      throw new PermanentError(`unknown placeholder ${whole} in a ClickHouse migration`);
    return value;
  });
  if (!opts.capabilities.boolType) out = out.replace(/\s+NOT NULL\b/g, '').replace(/\bBOOL\b/g, 'UInt8');
  return out.trim();
}

function stripComments(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
}

/** One statement per request (18.16 rejects multi-statement queries); statements end with `;` at a line end. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

async function run(client: ClickHouseClient, query: string, doing: string): Promise<void> {
  try {
    await client.command({ query });
  } catch (err) {
    throw classifyClickHouseError(err, `ClickHouse ${doing}`);
  }
}

async function appliedMigrations(client: ClickHouseClient, database: string): Promise<Set<string>> {
  try {
    const rs = await client.query({
      query: `SELECT DISTINCT name FROM ${database}.course_sink_migrations`,
      format: 'JSONEachRow',
    });
    return new Set((await rs.json<{ name: string }>()).map((r) => r.name));
  } catch (err) {
    throw classifyClickHouseError(err, 'reading course_sink_migrations');
  }
}

async function record(
  client: ClickHouseClient,
  database: string,
  file: MigrationFile,
  at: Date,
): Promise<void> {
  const checksum = createHash('sha256').update(file.sql).digest('hex');
  const appliedAt = at.toISOString().slice(0, 19).replace('T', ' ');
  try {
    await client.insert({
      table: `${database}.course_sink_migrations`,
      columns: ['name', 'checksum', 'applied_at'],
      values: [{ name: file.name, checksum, applied_at: appliedAt }],
      format: 'JSONEachRow',
    });
  } catch (err) {
    throw classifyClickHouseError(err, `recording migration ${file.name} in course_sink_migrations`);
  }
}
