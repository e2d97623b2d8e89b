import path from 'node:path';
import { z } from 'zod';
import type { BusSettings } from '../bus/types.js';
import { ConfigError } from '../errors.js';

/**
 * The whole of course-sink's configuration, read once from the environment at start-up.
 * Names follow Open edX's own settings where one exists, so operators can copy theirs.
 * A store whose URL is unset runs embedded under DATA_DIR.
 */

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const bool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const s = v.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });

const int = (fallback: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `expected an integer >= ${min}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const url = optionalString.refine((v) => v === undefined || URL.canParse(v), 'expected a URL');

const EnvSchema = z.object({
  EVENT_BUS_BACKEND: z.enum(['kafka', 'redis']).default('kafka'),
  EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS: optionalString,
  EVENT_BUS_TOPIC_PREFIX: optionalString,
  EVENT_BUS_KAFKA_CONSUMER_GROUP: optionalString.transform((v) => v ?? 'course-sink'),
  EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL: url,
  EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY: optionalString,
  EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET: optionalString,
  EVENT_BUS_KAFKA_API_KEY: optionalString,
  EVENT_BUS_KAFKA_API_SECRET: optionalString,
  EVENT_BUS_REDIS_URL: url,
  EVENT_BUS_TOPICS: optionalString,
  EVENT_BUS_DLQ_SUFFIX: optionalString.transform((v) => v ?? '.dlq'),
  EVENT_BUS_STRICT_EVENT_TYPES: bool(false),
  EVENT_BUS_UNKNOWN_SCHEMA_TTL_MS: int(300_000),
  // The LMS serves the old block structure until its cache rebuild runs, 30 s after a publish plus the
  // task's queue and collect time (openedx/core/djangoapps/content/block_structure/signals.py).
  SYNC_DEBOUNCE_MS: int(45_000),
  SYNC_CONCURRENCY: int(4, 1),
  SYNC_MAX_ATTEMPTS: int(8, 1),
  SYNC_MAX_RETRY_MS: int(1_800_000),

  LMS_BASE_URL: url,
  LMS_OAUTH_CLIENT_ID: optionalString,
  LMS_OAUTH_CLIENT_SECRET: optionalString,
  LMS_TIMEOUT_MS: int(30_000, 1),
  CMS_BASE_URL: url,
  TAGS_ENABLED: bool(true),
  TAGS_REFRESH_INTERVAL_MS: int(600_000, 0),
  SYNC_STALE_REFETCH_ATTEMPTS: int(6, 0),
  SYNC_STALE_REFETCH_INITIAL_MS: int(10_000, 1),

  CLICKHOUSE_URL: url,
  CLICKHOUSE_USER: optionalString.transform((v) => v ?? 'default'),
  CLICKHOUSE_PASSWORD: optionalString,
  CLICKHOUSE_DATABASE: optionalString.transform((v) => v ?? 'event_sink'),
  CLICKHOUSE_CLUSTER: optionalString,
  CLICKHOUSE_PRUNE_REMOVED_BLOCKS: bool(false),

  DATABASE_URL: url,

  S3_ENDPOINT: url,
  S3_BUCKET: optionalString,
  S3_REGION: optionalString.transform((v) => v ?? 'us-east-1'),
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  EXPORT_INCLUDE_MEDIA: bool(false),
  EXPORT_INSTRUCTOR_NAME: optionalString,

  HTTP_PORT: int(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_MS: int(25_000),
  DATA_DIR: optionalString.transform((v) => path.resolve(v ?? './data')),
});

type Env = z.infer<typeof EnvSchema>;

export interface Config {
  bus: BusSettings;
  lms?: {
    baseUrl: string;
    cmsBaseUrl?: string;
    clientId: string;
    clientSecret: string;
    timeoutMs: number;
    /** Content tags are read from Studio (CMS_BASE_URL set and TAGS_ENABLED). */
    tags: boolean;
  };
  /** How often the taxonomy and tag tables are refreshed while consuming (0: only with course syncs). */
  tagsRefreshIntervalMs: number;
  /** How a fetched structure that contradicts the events is fetched again before it is dumped anyway. */
  freshness: { attempts: number; initialMs: number };
  clickhouse: {
    /** Unset means the embedded engine (chdb) under `${dataDir}/clickhouse`. */
    url?: string;
    user: string;
    password?: string;
    database: string;
    cluster?: string;
    pruneRemovedBlocks: boolean;
  };
  postgres: { /** Unset means embedded PGlite under `${dataDir}/postgres`. */ url?: string };
  s3?: { endpoint?: string; bucket: string; region: string; accessKeyId?: string; secretAccessKey?: string };
  /** instructorName fills the seed's journey instructor line; Open edX has no per-video instructor. */
  exports: { includeMedia: boolean; instructorName?: string };
  http: { port: number };
  logLevel: Env['LOG_LEVEL'];
  shutdownGraceMs: number;
  dataDir: string;
}

export { ConfigError };

/** Reads and validates the environment. Throws ConfigError naming every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const pair = (a: keyof Env, b: keyof Env) => {
    if (Boolean(e[a]) !== Boolean(e[b])) problems.push(`${a} and ${b} must be set together`);
  };
  pair('EVENT_BUS_KAFKA_API_KEY', 'EVENT_BUS_KAFKA_API_SECRET');
  pair('EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY', 'EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET');
  pair('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY');
  if (e.LMS_BASE_URL && !(e.LMS_OAUTH_CLIENT_ID && e.LMS_OAUTH_CLIENT_SECRET)) {
    problems.push('LMS_OAUTH_CLIENT_ID and LMS_OAUTH_CLIENT_SECRET are required when LMS_BASE_URL is set');
  }
  if (e.S3_ENDPOINT && !e.S3_BUCKET) problems.push('S3_BUCKET is required when S3_ENDPOINT is set');
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    bus: {
      backend: e.EVENT_BUS_BACKEND,
      kafka: e.EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS
        ? {
            brokers: e.EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS.split(',').map((s) => s.trim()),
            sasl:
              e.EVENT_BUS_KAFKA_API_KEY && e.EVENT_BUS_KAFKA_API_SECRET
                ? { username: e.EVENT_BUS_KAFKA_API_KEY, password: e.EVENT_BUS_KAFKA_API_SECRET }
                : undefined,
          }
        : undefined,
      redisUrl: e.EVENT_BUS_REDIS_URL,
      topicPrefix: e.EVENT_BUS_TOPIC_PREFIX,
      baseTopics: e.EVENT_BUS_TOPICS?.split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
      consumerGroup: e.EVENT_BUS_KAFKA_CONSUMER_GROUP,
      schemaRegistry: e.EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL
        ? {
            url: e.EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL,
            auth:
              e.EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY && e.EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET
                ? {
                    username: e.EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY,
                    password: e.EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET,
                  }
                : undefined,
          }
        : undefined,
      dlqSuffix: e.EVENT_BUS_DLQ_SUFFIX,
      strictEventTypes: e.EVENT_BUS_STRICT_EVENT_TYPES,
      unknownSchemaTtlMs: e.EVENT_BUS_UNKNOWN_SCHEMA_TTL_MS,
      debounceMs: e.SYNC_DEBOUNCE_MS,
      concurrency: e.SYNC_CONCURRENCY,
      syncBudget: { maxAttempts: e.SYNC_MAX_ATTEMPTS, maxRetryMs: e.SYNC_MAX_RETRY_MS },
    },
    lms:
      e.LMS_BASE_URL && e.LMS_OAUTH_CLIENT_ID && e.LMS_OAUTH_CLIENT_SECRET
        ? {
            baseUrl: e.LMS_BASE_URL.replace(/\/+$/, ''),
            ...(e.CMS_BASE_URL ? { cmsBaseUrl: e.CMS_BASE_URL.replace(/\/+$/, '') } : {}),
            tags: Boolean(e.CMS_BASE_URL) && e.TAGS_ENABLED,
            clientId: e.LMS_OAUTH_CLIENT_ID,
            clientSecret: e.LMS_OAUTH_CLIENT_SECRET,
            timeoutMs: e.LMS_TIMEOUT_MS,
          }
        : undefined,
    freshness: { attempts: e.SYNC_STALE_REFETCH_ATTEMPTS, initialMs: e.SYNC_STALE_REFETCH_INITIAL_MS },
    tagsRefreshIntervalMs: e.TAGS_REFRESH_INTERVAL_MS,
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      user: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      cluster: e.CLICKHOUSE_CLUSTER,
      pruneRemovedBlocks: e.CLICKHOUSE_PRUNE_REMOVED_BLOCKS,
    },
    postgres: { url: e.DATABASE_URL },
    // A bucket alone means Amazon S3 itself (the endpoint comes from the region); an endpoint names an
    // S3-compatible server. Neither: archives stay under DATA_DIR.
    s3: e.S3_BUCKET
      ? {
          endpoint: e.S3_ENDPOINT,
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
          accessKeyId: e.AWS_ACCESS_KEY_ID,
          secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
        }
      : undefined,
    exports: { includeMedia: e.EXPORT_INCLUDE_MEDIA, instructorName: e.EXPORT_INSTRUCTOR_NAME },
    http: { port: e.HTTP_PORT },
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    dataDir: e.DATA_DIR,
  };
}

/** Paths that pino must never print: every secret the config holds. */
export const SECRET_PATHS = [
  'bus.kafka.sasl.password',
  'bus.schemaRegistry.auth.password',
  'lms.clientSecret',
  'clickhouse.password',
  's3.secretAccessKey',
  'postgres.url',
  // URLs may carry user:password@ as well.
  'clickhouse.url',
  'bus.redisUrl',
  'bus.schemaRegistry.url',
];
