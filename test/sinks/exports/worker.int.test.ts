import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, enqueueIfChanged } from '../../../src/sinks/exports/queue.js';
import { createS3Store } from '../../../src/sinks/exports/store.js';
import { migrate } from '../../../src/sinks/postgres/migrate.js';
import { serverDatabase, type TestDatabase } from '../postgres/support/databases.js';
import { exportCases } from './support/export-cases.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the integration project, or eval "$(scripts/stack env)"`);
  return value;
}

exportCases(serverDatabase, {
  async make() {
    const config = {
      endpoint: env('S3_ENDPOINT'),
      bucket: env('S3_BUCKET'),
      region: process.env.S3_REGION ?? 'us-east-1',
      accessKeyId: env('AWS_ACCESS_KEY_ID'),
      secretAccessKey: env('AWS_SECRET_ACCESS_KEY'),
    };
    // The stack creates its bucket; creating it again is harmless and keeps this file self-sufficient.
    const admin = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: true,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    });
    await admin.send(new CreateBucketCommand({ Bucket: config.bucket })).catch(() => undefined);
    admin.destroy();
    return createS3Store(config);
  },
  close(store) {
    (store as ReturnType<typeof createS3Store>).close();
  },
});

describe('the export queue with several clients', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await serverDatabase();
    await migrate(db.sql);
  });
  afterAll(() => db.drop());

  const manifest = (courseKey: string) => ({
    courseKey,
    exporterVersion: 'course-sink/1',
    course: { title: 'T', titleShort: 'T', description: '', backgroundImageUid: '', backgroundBaseUrl: '' },
    journeys: [],
  });

  it('queues once when the same change is enqueued from many clients at once', async () => {
    const clients = [db.sql, await db.connect(), await db.connect()];
    const courseKey = 'course-v1:ConcX+Enq+1T2025';
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        enqueueIfChanged(clients[i % clients.length]!, {
          courseKey,
          manifest: manifest(courseKey),
          inputsHash: 'h1',
        }),
      ),
    );
    expect(outcomes.filter((o) => o === 'queued')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already-queued')).toHaveLength(11);
  });

  it('gives concurrent workers at most one running build per course', async () => {
    const clients = [db.sql, await db.connect(), await db.connect(), await db.connect()];
    const courseKey = 'course-v1:ConcX+Claim+1T2025';
    for (const hash of ['a', 'b', 'c']) {
      await db.sql.query(
        'INSERT INTO export_jobs (course_key, inputs_hash, manifest) VALUES ($1, $2, $3::jsonb)',
        [courseKey, hash, JSON.stringify(manifest(courseKey))],
      );
    }
    const claimed = await Promise.all(clients.map((c, i) => claim(c, `worker-${i}`)));
    expect(claimed.filter((j) => j?.courseKey === courseKey)).toHaveLength(1);
    const running = await db.sql.query(
      "SELECT 1 FROM export_jobs WHERE course_key = $1 AND status = 'running'",
      [courseKey],
    );
    expect(running.rowCount).toBe(1);
  });
});
