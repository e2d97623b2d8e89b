import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PermanentError, RetryableError } from '../../errors.js';

/** Where archives go: an S3 bucket, or a local directory with the same key layout when S3 is not configured. */
export interface ExportStore {
  /** The bucket name recorded in s3_files (for a local directory, `file:` and its path). */
  readonly bucket: string;
  /** Streams body to key; resolves when the object is complete and durable. */
  put(key: string, body: Readable, contentType: string, signal?: AbortSignal): Promise<void>;
  get(key: string): Promise<Readable>;
  /** Removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
}

export interface S3StoreConfig {
  /** An S3-compatible server; unset means Amazon S3 in `region`. */
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** Multipart parts of 8 MiB, two in flight: an upload holds at most ~16 MiB whatever the archive size. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

export function createS3Store(config: S3StoreConfig): ExportStore & { close(): void } {
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    // S3-compatible servers rarely have per-bucket DNS names; Amazon S3 prefers virtual-hosted style.
    forcePathStyle: config.endpoint !== undefined,
    // Checksums only where S3 requires them, so S3-compatible servers without flexible checksums work.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    credentials:
      config.accessKeyId && config.secretAccessKey
        ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
        : undefined,
  });
  const where = (key: string) =>
    `s3://${config.bucket}/${key} at ${config.endpoint ?? `Amazon S3 (${config.region})`}`;
  const classify = (err: unknown, what: string) => {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const message = `${what} failed: ${(err as Error).message}`;
    return status === 403 || status === 404 || status === 400
      ? new PermanentError(`${message}; check S3_BUCKET and the credentials' permissions`, { cause: err })
      : new RetryableError(message, { cause: err });
  };
  return {
    bucket: config.bucket,
    async put(key, body, contentType, signal) {
      const upload = new Upload({
        client,
        params: { Bucket: config.bucket, Key: key, Body: body, ContentType: contentType },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
        abortController: signal ? abortControllerFor(signal) : undefined,
      });
      // A body that fails mid-stream must fail the upload (lib-storage aborts the multipart upload then).
      const bodyError = new Promise<never>((_, reject) => body.once('error', reject));
      bodyError.catch(() => undefined);
      try {
        await Promise.race([upload.done(), bodyError]);
      } catch (err) {
        await upload.abort().catch(() => undefined);
        if (err instanceof PermanentError || err instanceof RetryableError) throw err;
        throw classify(err, `uploading ${where(key)}`);
      }
    },
    async get(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
        return res.Body as Readable;
      } catch (err) {
        throw classify(err, `reading ${where(key)}`);
      }
    },
    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: key }));
      } catch (err) {
        throw classify(err, `deleting ${where(key)}`);
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const res = await client.send(
          new ListObjectsV2Command({ Bucket: config.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    close: () => client.destroy(),
  };
}

function abortControllerFor(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

/** Keys come from our own layout, but are still checked: nothing may land outside the directory. */
function resolveInside(dir: string, key: string): string {
  const full = path.resolve(dir, key);
  if (path.isAbsolute(key) || key.split('/').includes('..') || !full.startsWith(`${dir}${path.sep}`)) {
    throw new PermanentError(`export store: key ${JSON.stringify(key)} would leave ${dir}`);
  }
  return full;
}

const PARTIAL_SUFFIX = '.partial';

/** Archives under `${dataDir}/exports/`, keyed exactly like the S3 objects. */
export function createLocalDirStore(dir: string): ExportStore {
  const root = path.resolve(dir);
  return {
    bucket: `file:${root}`,
    async put(key, body, _contentType, signal) {
      const file = resolveInside(root, key);
      await mkdir(path.dirname(file), { recursive: true });
      // Written aside and renamed when complete, like an S3 object that appears only once uploaded. On
      // failure the file stream is awaited until closed first: it opens asynchronously, and removing the
      // file before that would let the open create it again afterwards.
      const partial = `${file}.${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}`;
      const out = createWriteStream(partial);
      try {
        await pipeline(body, out, { signal });
        await rename(partial, file);
      } catch (err) {
        if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
        await rm(partial, { force: true });
        throw err;
      }
    },
    get: async (key) => createReadStream(resolveInside(root, key)),
    delete: (key) => rm(resolveInside(root, key), { force: true }),
    async list(prefix) {
      const found: string[] = [];
      const walk = async (rel: string): Promise<void> => {
        const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          const child = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) await walk(child);
          else if (child.startsWith(prefix) && !child.endsWith(PARTIAL_SUFFIX)) found.push(child);
        }
      };
      await walk('');
      return found.sort();
    },
  };
}

/** The one decision between S3 and the local directory, made from the configuration. */
export function exportStoreFor(config: {
  s3?: S3StoreConfig;
  dataDir: string;
}): ExportStore & { close?(): void } {
  return config.s3 ? createS3Store(config.s3) : createLocalDirStore(path.join(config.dataDir, 'exports'));
}
