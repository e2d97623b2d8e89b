import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Store } from '../../../src/sinks/exports/store.js';
import { readAll } from './support/export-cases.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the integration project, or eval "$(scripts/stack env)"`);
  return value;
}

describe('the S3 export store', () => {
  const store = createS3Store({
    endpoint: env('S3_ENDPOINT'),
    bucket: env('S3_BUCKET'),
    region: process.env.S3_REGION ?? 'us-east-1',
    accessKeyId: env('AWS_ACCESS_KEY_ID'),
    secretAccessKey: env('AWS_SECRET_ACCESS_KEY'),
  });
  const prefix = `s3_files/courses/store-test-${randomBytes(4).toString('hex')}/`;
  afterAll(async () => {
    for (const key of await store.list(prefix)) await store.delete(key);
    store.close();
  });

  it('uploads a streamed body of several parts byte for byte', async () => {
    const chunks = Array.from({ length: 20 }, () => randomBytes(1024 * 1024));
    const key = `${prefix}ce_multi/big.zip`;
    await store.put(key, Readable.from(chunks), 'application/zip');
    const back = await readAll(await store.get(key));
    const digest = (b: Buffer) => createHash('sha512').update(b).digest('hex');
    expect(back.length).toBe(20 * 1024 * 1024);
    expect(digest(back)).toBe(digest(Buffer.concat(chunks)));
    expect(await store.list(prefix)).toEqual([key]);
  });

  it('leaves no object when the body fails midway', async () => {
    const key = `${prefix}ce_broken/broken.zip`;
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent++ < 12) this.push(randomBytes(1024 * 1024));
        else this.destroy(new Error('archive stream broke'));
      },
    });
    await expect(store.put(key, body, 'application/zip')).rejects.toThrow();
    expect(await store.list(`${prefix}ce_broken/`)).toEqual([]);
  });
});
