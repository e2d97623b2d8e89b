import { createHash, randomBytes } from 'node:crypto';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { stackVar, uniqueName } from '../../support/stack.js';

/**
 * Fresh, isolated stores on the local stack for one end-to-end run: a ClickHouse database, a Postgres
 * schema (reached through search_path in DATABASE_URL), and the stack's bucket (keys are unique per export).
 */
export class E2eStores {
  readonly clickhouseDatabase = uniqueName('e2e_sink');
  readonly postgresSchema = `e2e_${randomBytes(6).toString('hex')}`;
  readonly ch: ClickHouseClient;
  readonly pg: pg.Client;
  readonly s3: S3Client;

  private constructor() {
    this.ch = createClient({
      url: stackVar('CLICKHOUSE_URL'),
      username: stackVar('CLICKHOUSE_USER'),
      password: stackVar('CLICKHOUSE_PASSWORD'),
      // Polling before the consumer created the database fails by design; waitFor reports the last error.
      log: { level: ClickHouseLogLevel.OFF },
    });
    this.pg = new pg.Client({ connectionString: this.databaseUrl });
    this.s3 = new S3Client({
      endpoint: stackVar('S3_ENDPOINT'),
      region: stackVar('S3_REGION'),
      forcePathStyle: true,
      credentials: {
        accessKeyId: stackVar('AWS_ACCESS_KEY_ID'),
        secretAccessKey: stackVar('AWS_SECRET_ACCESS_KEY'),
      },
    });
  }

  static async create(): Promise<E2eStores> {
    const stores = new E2eStores();
    const admin = new pg.Client({ connectionString: stackVar('DATABASE_URL') });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${stores.postgresSchema}`);
    await admin.end();
    await stores.pg.connect();
    return stores;
  }

  get databaseUrl(): string {
    const url = new URL(stackVar('DATABASE_URL'));
    url.searchParams.set('options', `-c search_path=${this.postgresSchema}`);
    return url.toString();
  }

  /** The environment course-sink needs to use these stores. */
  env(): Record<string, string> {
    return {
      CLICKHOUSE_URL: stackVar('CLICKHOUSE_URL'),
      CLICKHOUSE_USER: stackVar('CLICKHOUSE_USER'),
      CLICKHOUSE_PASSWORD: stackVar('CLICKHOUSE_PASSWORD'),
      CLICKHOUSE_DATABASE: this.clickhouseDatabase,
      DATABASE_URL: this.databaseUrl,
      S3_ENDPOINT: stackVar('S3_ENDPOINT'),
      S3_BUCKET: stackVar('S3_BUCKET'),
      S3_REGION: stackVar('S3_REGION'),
      AWS_ACCESS_KEY_ID: stackVar('AWS_ACCESS_KEY_ID'),
      AWS_SECRET_ACCESS_KEY: stackVar('AWS_SECRET_ACCESS_KEY'),
    };
  }

  /** ClickHouse 18.16 has no query parameters; test values are plain keys, quoted here. */
  async chRows<T>(sql: string): Promise<T[]> {
    const rs = await this.ch.query({ query: sql, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  /** Rows per dump of one course in one table: {dump_id, n} ordered by time_last_dumped. */
  async dumps(table: string, courseKey: string): Promise<Array<{ dump_id: string; n: number }>> {
    const rows = await this.chRows<{ dump_id: string; n: string; t: string }>(
      `SELECT toString(dump_id) AS dump_id, count() AS n, max(time_last_dumped) AS t
       FROM ${this.clickhouseDatabase}.${table} WHERE course_key = '${courseKey}'
       GROUP BY dump_id ORDER BY t`,
    );
    return rows.map((r) => ({ dump_id: r.dump_id, n: Number(r.n) }));
  }

  async exports(courseKey: string) {
    const { rows } = await this.pg.query<{
      uid: string;
      inputs_hash: string;
      output_sha512: string;
      bucket: string;
      key: string;
    }>(
      `SELECT e.uid, e.inputs_hash, e.output_sha512, f.bucket, f.key
       FROM course_exports e JOIN s3_files f ON f.id = e.s3_file_id WHERE e.course_key = $1 ORDER BY e.created_at`,
      [courseKey],
    );
    return rows;
  }

  async objectSha512(bucket: string, key: string): Promise<string> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await out.Body!.transformToByteArray();
    return createHash('sha512').update(bytes).digest('hex');
  }

  async close(): Promise<void> {
    await this.ch
      .query({ query: `DROP DATABASE IF EXISTS ${this.clickhouseDatabase}` })
      .catch(() => undefined);
    await this.pg.query(`DROP SCHEMA IF EXISTS ${this.postgresSchema} CASCADE`).catch(() => undefined);
    await this.pg.end();
    await this.ch.close();
    this.s3.destroy();
  }
}
