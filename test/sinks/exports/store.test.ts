import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/errors.js';
import { createLocalDirStore, type ExportStore } from '../../../src/sinks/exports/store.js';
import { readAll } from './support/export-cases.js';

describe('the local directory export store', () => {
  let dir: string;
  let store: ExportStore;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'course-sink-store-'));
    store = createLocalDirStore(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stores, lists, reads back and deletes an object under the S3 key layout', async () => {
    const key = 's3_files/courses/course-v1_X_Y_Z/ce_abc/r.zip';
    await store.put(key, Readable.from([Buffer.from('zip bytes')]), 'application/zip');
    expect(await store.list('s3_files/courses/course-v1_X_Y_Z/')).toEqual([key]);
    expect((await readAll(await store.get(key))).toString()).toBe('zip bytes');
    await store.delete(key);
    await store.delete(key);
    expect(await store.list('s3_files/')).toEqual([]);
  });

  it('refuses keys that would leave its directory', async () => {
    for (const key of ['../escape.zip', '/etc/passwd', 's3_files/../../x.zip']) {
      await expect(store.put(key, Readable.from([]), 'application/zip')).rejects.toBeInstanceOf(
        PermanentError,
      );
    }
  });

  it('removes a partly written object when the body fails', async () => {
    const key = 's3_files/courses/c/ce_x/broken.zip';
    const body = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        this.destroy(new Error('archive stream broke'));
      },
    });
    await expect(store.put(key, body, 'application/zip')).rejects.toThrow('archive stream broke');
    expect(await store.list('s3_files/courses/c/')).toEqual([]);
  });
});
