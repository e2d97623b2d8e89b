import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../src/errors.js';
import {
  LmsCourseNotFoundError,
  LmsAuthError,
  LmsClient,
  LmsRetryableError,
  LmsThrottledError,
} from '../../../src/openedx/lms/index.js';
import { TestLms } from '../../peers/openedx/server.js';
import { clientFor, failure, smallCourse } from './support.js';

const course = smallCourse();
const BLOCKS = '/api/courses/v2/blocks/';
let lms: TestLms;

beforeAll(async () => {
  lms = await TestLms.start();
  lms.setCourse(course);
});
afterAll(() => lms.close());
beforeEach(() => lms.reset());

describe('retries', () => {
  it('retries a 500 with jittered exponential backoff, then succeeds', async () => {
    const { client, sleeps } = clientFor(lms, { retry: { baseDelayMs: 100, maxDelayMs: 10_000 } });
    lms.failNext(BLOCKS, { status: 500, times: 2 });
    const blocks = await client.getBlocks(course.courseKey);
    expect(blocks.root).toBe('block-v1:TestX+LMS101+2024+type@course+block@course');
    expect(lms.count('blocks')).toBe(3);
    // random() is pinned at 0.5: half of 100·2^0, then half of 100·2^1.
    expect(sleeps).toEqual([50, 100]);
  });

  it('waits what Retry-After asks on a 429, in seconds or as a date', async () => {
    const { client, sleeps, clock } = clientFor(lms);
    lms.failNext(BLOCKS, { status: 429, retryAfter: 7 });
    lms.failNext(BLOCKS, { status: 429, retryAfter: new Date(clock.now + 12_000).toUTCString() });
    await client.getBlocks(course.courseKey);
    expect(lms.count('blocks')).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBe(7_000);
    // HTTP dates have whole seconds, so the wait is within a second of what was asked.
    expect(sleeps[1]).toBeGreaterThan(11_000);
    expect(sleeps[1]).toBeLessThanOrEqual(12_000);
  });

  it('falls back to backoff on a 429 without Retry-After', async () => {
    const { client, sleeps } = clientFor(lms, { retry: { baseDelayMs: 200 } });
    lms.failNext(BLOCKS, { status: 429 });
    await client.getBlocks(course.courseKey);
    expect(sleeps).toEqual([100]);
  });

  it('hands a Retry-After longer than it will wait up as a throttled, retryable error', async () => {
    const { client, sleeps } = clientFor(lms, { retry: { maxRetryAfterMs: 60_000 } });
    lms.failNext(BLOCKS, { status: 429, retryAfter: 600 });
    const err = await failure(client.getBlocks(course.courseKey));
    expect(err).toBeInstanceOf(LmsThrottledError);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as LmsThrottledError).retryAfterMs).toBe(600_000);
    expect(sleeps).toEqual([]);
  });

  it('stops after maxAttempts and reports the 5xx as retryable', async () => {
    const { client } = clientFor(lms, { retry: { maxAttempts: 3 } });
    lms.failNext(BLOCKS, { status: 503, times: 10 });
    const err = await failure(client.getBlocks(course.courseKey));
    expect(err).toBeInstanceOf(LmsRetryableError);
    expect((err as LmsRetryableError).status).toBe(503);
    expect(err.message).toContain(BLOCKS);
    expect(err.message).toContain(course.courseKey);
    expect(lms.count('blocks')).toBe(3);
  });

  it('does not retry a 403 and says the service user must be staff', async () => {
    const { client, sleeps } = clientFor(lms);
    lms.setStaff(false);
    const err = await failure(client.getBlocks(course.courseKey));
    expect(err).toBeInstanceOf(LmsAuthError);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain('must be global staff');
    expect(err.message).toContain(lms.credentials.username);
    expect(err.message).toContain(course.courseKey);
    expect(lms.count('blocks')).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('turns a 404 for a course into a permanent LmsCourseNotFoundError without retrying', async () => {
    const { client } = clientFor(lms);
    const missing = 'course-v1:TestX+Gone+2020';
    for (const request of [client.getBlocks(missing), client.getCourse(missing)]) {
      const err = await failure(request);
      expect(err).toBeInstanceOf(LmsCourseNotFoundError);
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as LmsCourseNotFoundError).courseKey).toBe(missing);
      expect(err.message).toContain(missing);
    }
    expect(lms.count('blocks')).toBe(1);
    expect(lms.count('course')).toBe(1);
  });

  it('treats a request that outlives the timeout as retryable, after retrying it', async () => {
    const { client } = clientFor(lms, { timeoutMs: 100, retry: { maxAttempts: 2 } });
    lms.slow(400, BLOCKS);
    const err = await failure(client.getBlocks(course.courseKey));
    expect(err).toBeInstanceOf(LmsRetryableError);
    expect(err.message).toContain('within 100 ms');
    expect(err.message).toContain('LMS_TIMEOUT_MS');
    expect(lms.count('blocks')).toBe(2);
  });

  it('treats an unreachable LMS as retryable and names the cause', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = new LmsClient({
      baseUrl: `http://127.0.0.1:${port}`,
      clientId: 'id',
      clientSecret: 'secret-that-must-not-leak',
      retry: { maxAttempts: 2 },
      sleep: () => Promise.resolve(),
    });
    const err = await failure(client.getBlocks(course.courseKey));
    expect(err).toBeInstanceOf(LmsRetryableError);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toContain('/oauth2/access_token');
    expect(err.message).not.toContain('secret-that-must-not-leak');
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    lms.slow(30, '/api/');
    let inFlight = 0;
    let peak = 0;
    const counting: typeof fetch = async (input, init) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        const res = await fetch(input, init);
        await res.clone().text();
        return res;
      } finally {
        inFlight--;
      }
    };
    const limited = clientFor(lms, { concurrency: 2, fetch: counting }).client;
    await Promise.all(Array.from({ length: 6 }, () => limited.getCourse(course.courseKey)));
    expect(peak).toBe(2);
  });
});
