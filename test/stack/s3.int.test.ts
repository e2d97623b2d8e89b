import { randomBytes, randomUUID } from 'node:crypto';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, describe, expect, it } from 'vitest';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: run the tests through vitest's integration project or eval "$(scripts/stack env)"`,
    );
  return value;
}

const endpoint = requiredEnv('S3_ENDPOINT');
const bucket = requiredEnv('S3_BUCKET');
const region = requiredEnv('S3_REGION');
const accessKeyId = requiredEnv('AWS_ACCESS_KEY_ID');
const secretAccessKey = requiredEnv('AWS_SECRET_ACCESS_KEY');

// The SDK's default checksum behaviour is kept on purpose: the stack's S3 server must accept what
// course-sink's own client sends (SigV4, flexible checksums, trailers).
function client(secret: string): S3Client {
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey: secret },
  });
}

describe('the stack S3 server', () => {
  const s3 = client(secretAccessKey);
  const prefix = `stack-smoke/${randomUUID()}/`;
  const written: string[] = [];

  afterAll(async () => {
    if (written.length > 0) {
      await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: written.map((Key) => ({ Key })) } }),
      );
    }
    s3.destroy();
  });

  it('returns an object exactly as it was put', async () => {
    const key = `${prefix}outline.json`;
    const body = JSON.stringify({ course: 'course-v1:edX+DemoX+Demo_Course', blocks: 42 });
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
    written.push(key);

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(got.ContentType).toBe('application/json');
    expect(await got.Body?.transformToString()).toBe(body);
  });

  it('reassembles a multipart upload byte for byte', async () => {
    const key = `${prefix}export.zip`;
    const body = randomBytes(11 * 1024 * 1024);
    await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: key, Body: body },
      partSize: 5 * 1024 * 1024,
    }).done();
    written.push(key);

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(bytes.length).toBe(body.length);
    expect(bytes.equals(body)).toBe(true);
  });

  it('rejects a request signed with the wrong secret', async () => {
    const impostor = client(`${secretAccessKey}-wrong`);
    try {
      await expect(
        impostor.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}forged.txt`, Body: 'forged' })),
      ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    } finally {
      impostor.destroy();
    }
  });
});
