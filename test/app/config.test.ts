import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs with no environment at all: every store embedded under ./data', () => {
    const config = loadConfig({});
    expect(config.clickhouse.url).toBeUndefined();
    expect(config.postgres.url).toBeUndefined();
    expect(config.s3).toBeUndefined();
    expect(config.clickhouse.database).toBe('event_sink');
    expect(config.bus.consumerGroup).toBe('course-sink');
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reads the unknown-schema TTL and the per-course sync budget, with defaults', () => {
    expect(loadConfig({}).bus).toMatchObject({
      unknownSchemaTtlMs: 300_000,
      syncBudget: { maxAttempts: 8, maxRetryMs: 1_800_000 },
    });
    const config = loadConfig({
      EVENT_BUS_UNKNOWN_SCHEMA_TTL_MS: '60000',
      SYNC_MAX_ATTEMPTS: '3',
      SYNC_MAX_RETRY_MS: '120000',
    });
    expect(config.bus).toMatchObject({
      unknownSchemaTtlMs: 60_000,
      syncBudget: { maxAttempts: 3, maxRetryMs: 120_000 },
    });
    expect(problems({ SYNC_MAX_ATTEMPTS: '0' }).join('\n')).toMatch(/SYNC_MAX_ATTEMPTS/);
  });

  it("reads Open edX's own EVENT_BUS_* names", () => {
    const config = loadConfig({
      EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS: 'kafka-1:9092, kafka-2:9092',
      EVENT_BUS_TOPIC_PREFIX: 'prod',
      EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL: 'https://registry.example.com',
      EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY: 'rk',
      EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET: 'rs',
      EVENT_BUS_KAFKA_API_KEY: 'k',
      EVENT_BUS_KAFKA_API_SECRET: 's',
    });
    expect(config.bus.kafka).toEqual({
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      sasl: { username: 'k', password: 's' },
    });
    expect(config.bus.topicPrefix).toBe('prod');
    expect(config.bus.baseTopics).toBeUndefined();
    expect(
      loadConfig({ EVENT_BUS_TOPICS: 'course-catalog-info-changed, course-lifecycle' }).bus.baseTopics,
    ).toEqual(['course-catalog-info-changed', 'course-lifecycle']);
    expect(config.bus.schemaRegistry?.auth).toEqual({ username: 'rk', password: 'rs' });
  });

  it('names every bad variable at once', () => {
    const found = problems({
      HTTP_PORT: 'eighty',
      SYNC_CONCURRENCY: '0',
      CLICKHOUSE_URL: 'not a url',
      EXPORT_INCLUDE_MEDIA: 'maybe',
    });
    expect(found.join('\n')).toMatch(/HTTP_PORT.*"eighty"/);
    expect(found.join('\n')).toMatch(/SYNC_CONCURRENCY/);
    expect(found.join('\n')).toMatch(/CLICKHOUSE_URL/);
    expect(found.join('\n')).toMatch(/EXPORT_INCLUDE_MEDIA.*"maybe"/);
  });

  it('sends archives to Amazon S3 when only a bucket is set, and to a compatible server with an endpoint', () => {
    expect(loadConfig({ S3_BUCKET: 'exports' }).s3).toMatchObject({ bucket: 'exports', endpoint: undefined });
    expect(loadConfig({ S3_BUCKET: 'b', S3_ENDPOINT: 'http://127.0.0.1:9000' }).s3?.endpoint).toBe(
      'http://127.0.0.1:9000',
    );
  });

  it('requires pairs and dependent settings together', () => {
    expect(problems({ EVENT_BUS_KAFKA_API_KEY: 'k' })).toEqual([
      'EVENT_BUS_KAFKA_API_KEY and EVENT_BUS_KAFKA_API_SECRET must be set together',
    ]);
    expect(problems({ LMS_BASE_URL: 'https://lms.example.com' })[0]).toMatch(/LMS_OAUTH_CLIENT_ID/);
    expect(problems({ S3_ENDPOINT: 'http://127.0.0.1:9000' })[0]).toMatch(/S3_BUCKET/);
  });

  it('never lets a secret of the configuration reach the log', () => {
    const config = loadConfig({
      LMS_BASE_URL: 'https://lms.example.com/',
      LMS_OAUTH_CLIENT_ID: 'id',
      LMS_OAUTH_CLIENT_SECRET: 'lms-secret-value',
      CLICKHOUSE_PASSWORD: 'ch-secret-value',
      DATABASE_URL: 'postgres://u:pg-secret-value@db/x',
      S3_ENDPOINT: 'http://s3',
      S3_BUCKET: 'b',
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 's3-secret-value',
    });
    expect(config.lms?.baseUrl).toBe('https://lms.example.com');
    let out = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
    const logger = createLogger('info', { destination: sink });
    logger.info({ config }, 'configuration');
    logger.info(config, 'configuration at the top level');
    expect(out).toContain('[redacted]');
    expect(out).not.toMatch(/secret-value/);
  });
});
