/**
 * Opens the ClickHouse this sink writes to, a server over HTTP or the embedded chdb engine, and finds out
 * what that server can do (ServerCapabilities), which the writer must respect.
 */

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { classifyClickHouseError } from './errors.js';

export interface ClickHouseConnectionOptions {
  /** Server HTTP URL; unset means the embedded engine under `${dataDir}/clickhouse`. */
  url?: string;
  user: string;
  password?: string;
  dataDir: string;
  /** Per-request timeout over HTTP; Aspects' own sink uses 5 s, which large courses outgrow. */
  requestTimeoutMs?: number;
}

/** What the connected server can do; 18.16 (Debian) and modern releases differ in ways the writer must respect. */
export interface ServerCapabilities {
  version: string;
  embedded: boolean;
  /** `{name:Type}` placeholders with `query_params` (19.11+). */
  queryParams: boolean;
  /** The `Bool` type and the `NOT NULL` column modifier used by Aspects' DDL (21.12+). */
  boolType: boolean;
  /** The `insert_deduplication_token` setting (22.2+). */
  insertDeduplicationToken: boolean;
  /** `DELETE FROM … WHERE` (GA in 23.3); older servers only have `ALTER TABLE … DELETE` mutations. */
  lightweightDelete: boolean;
}

export interface ClickHouseConnection {
  client: ClickHouseClient;
  capabilities: ServerCapabilities;
  close(): Promise<void>;
}

type ClientConnectionOption = NonNullable<Parameters<typeof createClient>[0]>['connection'];

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/**
 * Opens ClickHouse over HTTP when a URL is configured, else the embedded chdb engine. chdb is
 * imported lazily so a deployment with a server never loads its ~500 MB shared library.
 */
export async function openClickHouse(opts: ClickHouseConnectionOptions): Promise<ClickHouseConnection> {
  const client = opts.url ? openHttp(opts.url, opts) : await openEmbedded(opts.dataDir);
  try {
    const version = await serverVersion(client);
    return { client, capabilities: capabilitiesOf(version, !opts.url), close: () => client.close() };
  } catch (err) {
    await client.close().catch(() => undefined);
    throw classifyClickHouseError(err, `connecting to ClickHouse at ${opts.url ?? 'embedded chdb'}`);
  }
}

function openHttp(url: string, opts: ClickHouseConnectionOptions): ClickHouseClient {
  // No input_format_allow_errors_*: a row ClickHouse cannot parse must fail the insert, not vanish.
  return createClient({
    url,
    username: opts.user,
    password: opts.password ?? '',
    request_timeout: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    application: 'course-sink',
    // Failures reach the caller as RetryableError/PermanentError and are logged there, once, with the course key.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/**
 * The embedded engine's server settings, sized for one small process's jobs rather than for a server that
 * owns its machine: by default the mark and primary-index caches may grow to 5 GiB each and memory to 90% of
 * RAM. These are server settings, so they are given when the engine starts (clickhouse-local command-line
 * form); names as in ClickHouse's server settings reference.
 */
export const EMBEDDED_ENGINE_ARGS: readonly string[] = [
  '--max_server_memory_usage=1073741824',
  '--mark_cache_size=16777216',
  '--index_mark_cache_size=0',
  '--primary_index_cache_size=16777216',
  '--uncompressed_cache_size=0',
  '--index_uncompressed_cache_size=0',
  '--compiled_expression_cache_size=0',
  '--query_condition_cache_size=1048576',
  '--background_pool_size=1',
  '--background_schedule_pool_size=1',
  '--background_common_pool_size=1',
  '--background_move_pool_size=1',
  '--background_fetches_pool_size=1',
];

async function openEmbedded(dataDir: string): Promise<ClickHouseClient> {
  const dir = path.join(dataDir, 'clickhouse');
  await mkdir(dir, { recursive: true });
  const { Session } = await import('chdb');
  const { createChdbConnection } = await import('chdb/connection');
  // The connection of chdb/connection takes no engine arguments, but connections to one directory share the
  // one engine of the process: a session opened first starts it with ours, and is kept for as long.
  const engine = new Session(dir, { connectionArgs: [...EMBEDDED_ENGINE_ARGS] });
  // chdb types the contract against its own copy of @clickhouse/client-common; at runtime they are the same.
  const connection = createChdbConnection({ path: dir }) as unknown as NonNullable<ClientConnectionOption>;
  const client = createClient({ connection, log: { level: ClickHouseLogLevel.OFF } });
  const close = client.close.bind(client);
  client.close = async () => {
    await close();
    engine.close();
  };
  return client;
}

export async function serverVersion(client: ClickHouseClient): Promise<string> {
  const rs = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
  const rows = await rs.json<{ version: string }>();
  const version = rows[0]?.version;
  if (!version) throw new Error('SELECT version() returned no row');
  return version;
}

/** Compares a dotted ClickHouse version with a `[major, minor]` threshold. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [maj = 0, min = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  return maj > major || (maj === major && min >= minor);
}

export function capabilitiesOf(version: string, embedded: boolean): ServerCapabilities {
  return {
    version,
    embedded,
    queryParams: versionAtLeast(version, 19, 11),
    boolType: versionAtLeast(version, 21, 12),
    insertDeduplicationToken: versionAtLeast(version, 22, 2),
    lightweightDelete: versionAtLeast(version, 23, 3),
  };
}
