import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bus/decode-error.js';
import { SchemaRegistryClient } from '../../src/bus/schema-registry.js';
import { RetryableError } from '../../src/errors.js';

const KEY_SCHEMA = '{"name": "course_key", "type": "string"}';
const VALUE_SCHEMA = JSON.stringify({
  name: 'CloudEvent',
  namespace: 'org.openedx.content_authoring.course.created.v1',
  type: 'record',
  fields: [
    {
      name: 'course',
      type: { name: 'CourseData', type: 'record', fields: [{ name: 'course_key', type: 'string' }] },
    },
  ],
});

type Handler = (req: IncomingMessage, res: ServerResponse, requestNumber: number) => void;

let server: Server | undefined;
const requests: { url: string; authorization?: string }[] = [];

/** A registry stand-in on a loopback port; `handler` decides each answer. */
async function startRegistry(handler: Handler): Promise<string> {
  requests.length = 0;
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7/`;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
  res.end(JSON.stringify(body));
}

const noWait = async () => {};
const fastRetry = { initialMs: 1, maxMs: 1, multiplier: 1, maxAttempts: 3 };

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('SchemaRegistryClient', () => {
  it('fetches GET /schemas/ids/{id} under the configured base URL and parses the Avro schema', async () => {
    const url = await startRegistry((_req, res) => answer(res, 200, { schema: VALUE_SCHEMA }));
    const client = new SchemaRegistryClient({ url });
    const found = await client.getSchema(3);
    expect(requests[0]!.url).toBe('/apis/ccompat/v7/schemas/ids/3');
    expect(found.id).toBe(3);
    expect(found.type.name).toBe('org.openedx.content_authoring.course.created.v1.CloudEvent');
    expect(found.schema).toEqual(JSON.parse(VALUE_SCHEMA));
  });

  it('reads the key schema event-bus-kafka registers, a field definition, as a plain string', async () => {
    const url = await startRegistry((_req, res) => answer(res, 200, { schema: KEY_SCHEMA }));
    const { type } = await new SchemaRegistryClient({ url }).getSchema(1);
    expect(type.fromBuffer(Buffer.from('\x0cfoobob', 'latin1'))).toBe('foobob');
  });

  it('sends basic auth when credentials are configured', async () => {
    const url = await startRegistry((_req, res) => answer(res, 200, { schema: KEY_SCHEMA }));
    await new SchemaRegistryClient({ url, auth: { username: 'key', password: 's3cr:et' } }).getSchema(1);
    expect(requests[0]!.authorization).toBe(`Basic ${Buffer.from('key:s3cr:et').toString('base64')}`);
  });

  it('asks the registry once per id', async () => {
    const url = await startRegistry((_req, res) => answer(res, 200, { schema: KEY_SCHEMA }));
    const client = new SchemaRegistryClient({ url });
    const first = await client.getSchema(1);
    const second = await client.getSchema(1);
    await client.getSchema(2);
    expect(second).toBe(first);
    expect(requests.map((r) => r.url)).toEqual([
      '/apis/ccompat/v7/schemas/ids/1',
      '/apis/ccompat/v7/schemas/ids/2',
    ]);
  });

  it('shares one request among concurrent callers for the same id', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const url = await startRegistry(
      (_req, res) => void gate.then(() => answer(res, 200, { schema: KEY_SCHEMA })),
    );
    const client = new SchemaRegistryClient({ url });
    const pending = Array.from({ length: 5 }, () => client.getSchema(9));
    const deadline = Date.now() + 5_000;
    while (requests.length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    release();
    const results = await Promise.all(pending);
    expect(new Set(results).size).toBe(1);
    expect(requests).toHaveLength(1);
  });

  it('retries 5xx answers with backoff until the registry answers', async () => {
    const url = await startRegistry((_req, res, n) =>
      n < 3 ? answer(res, 503, { message: 'busy' }) : answer(res, 200, { schema: KEY_SCHEMA }),
    );
    const retries: number[] = [];
    const client = new SchemaRegistryClient({
      url,
      retry: fastRetry,
      sleep: noWait,
      onRetry: (_e, attempt) => retries.push(attempt),
    });
    await expect(client.getSchema(1)).resolves.toMatchObject({ id: 1 });
    expect(requests).toHaveLength(3);
    expect(retries).toEqual([1, 2]);
  });

  it('retries a dropped connection', async () => {
    const url = await startRegistry((req, res, n) =>
      n === 1 ? req.socket.destroy() : answer(res, 200, { schema: KEY_SCHEMA }),
    );
    const client = new SchemaRegistryClient({ url, retry: fastRetry, sleep: noWait });
    await expect(client.getSchema(1)).resolves.toMatchObject({ id: 1 });
    expect(requests).toHaveLength(2);
  });

  it('gives up with a RetryableError after the last attempt, and tries again on the next call', async () => {
    const url = await startRegistry((_req, res) => answer(res, 500, { message: 'down' }));
    const client = new SchemaRegistryClient({ url, retry: fastRetry, sleep: noWait });
    const err = await client.getSchema(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toContain('500');
    expect(requests).toHaveLength(3);
    await client.getSchema(1).catch(() => undefined);
    expect(requests).toHaveLength(6);
  });

  it('asks about an unknown schema id once more, then answers unknown-schema-id without asking until the TTL passed', async () => {
    const url = await startRegistry((_req, res) =>
      answer(res, 404, { error_code: 40403, message: 'Schema not found' }),
    );
    let now = 1_000_000;
    let waits = 0;
    const client = new SchemaRegistryClient({
      url,
      retry: { ...fastRetry, maxAttempts: 6 },
      sleep: async () => void waits++,
      unknownIdTtlMs: 60_000,
      now: () => now,
    });
    const err = await client.getSchema(77).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).reason).toBe('unknown-schema-id');
    expect((err as DecodeError).message).toContain('77');
    expect(requests).toHaveLength(2);
    expect(waits).toBe(1);

    // A burst of messages naming the same id: none of them waits or asks the registry.
    for (let i = 0; i < 100; i++) {
      const again = await client.getSchema(77).catch((e: unknown) => e);
      expect((again as DecodeError).reason).toBe('unknown-schema-id');
    }
    expect(requests).toHaveLength(2);
    expect(waits).toBe(1);

    now += 60_000;
    await client.getSchema(77).catch(() => undefined);
    expect(requests).toHaveLength(4);
  });

  it('keeps a 404 that is not a registry answer retryable: the registry URL is wrong, not the message', async () => {
    const url = await startRegistry((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not Found</h1>');
    });
    const client = new SchemaRegistryClient({ url, retry: fastRetry, sleep: noWait });
    const err = await client.getSchema(77).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL/);
  });

  it('rejects a schema that is not Avro as schema-mismatch', async () => {
    const url = await startRegistry((_req, res) =>
      answer(res, 200, { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' }),
    );
    const err = await new SchemaRegistryClient({ url }).getSchema(1).catch((e: unknown) => e);
    expect((err as DecodeError).reason).toBe('schema-mismatch');
  });
});
