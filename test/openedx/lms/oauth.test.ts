import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LmsAuthError } from '../../../src/openedx/lms/index.js';
import { decodeJwtClaims } from '../../../src/openedx/lms/jwt.js';
import { TestLms } from '../../peers/openedx/server.js';
import { clientFor, smallCourse } from './support.js';

const course = smallCourse();
let lms: TestLms;

beforeAll(async () => {
  lms = await TestLms.start({ tokenTtlSeconds: 600 });
  lms.setCourse(course);
});
afterAll(() => lms.close());
beforeEach(() => lms.reset());

describe('OAuth client credentials', () => {
  it('asks for a JWT with the client credentials and sends it as "JWT <token>"', async () => {
    const seen: Array<{ url: string; auth?: string; body?: string }> = [];
    const recordingFetch: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      seen.push({
        url: String(input),
        auth: headers.get('authorization') ?? undefined,
        body: init?.body as string,
      });
      return fetch(input, init);
    };
    const { client } = clientFor(lms, { fetch: recordingFetch });
    await client.getCourse(course.courseKey);

    const [tokenCall, apiCall] = seen;
    expect(new URL(tokenCall!.url).pathname).toBe('/oauth2/access_token');
    expect(Object.fromEntries(new URLSearchParams(tokenCall!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: lms.credentials.clientId,
      client_secret: lms.credentials.clientSecret,
      token_type: 'jwt',
    });
    expect(apiCall!.auth).toMatch(/^JWT [\w-]+\.[\w-]+\.[\w-]*$/);
    expect(decodeJwtClaims(apiCall!.auth!.slice(4))?.preferred_username).toBe(lms.credentials.username);
  });

  it('reuses one token for many requests while it is fresh', async () => {
    const { client } = clientFor(lms);
    for (let i = 0; i < 3; i++) await client.getSnapshot(course.courseKey);
    expect(lms.count('token')).toBe(1);
    expect(lms.count('blocks') + lms.count('course')).toBe(6);
  });

  it('replaces the token once expires_in minus the margin has passed, not before', async () => {
    const { client, clock } = clientFor(lms, { expiryMarginMs: 30_000 });
    await client.getCourse(course.courseKey);
    clock.now += 600_000 - 30_000 - 1;
    await client.getCourse(course.courseKey);
    expect(lms.count('token')).toBe(1);
    clock.now += 1;
    await client.getCourse(course.courseKey);
    expect(lms.count('token')).toBe(2);
  });

  it('lets concurrent callers share one token request', async () => {
    const { client } = clientFor(lms);
    lms.slow(50, '/oauth2/');
    await Promise.all(Array.from({ length: 8 }, () => client.getCourse(course.courseKey)));
    expect(lms.count('token')).toBe(1);
    expect(lms.count('course')).toBe(8);
  });

  it('fetches a new token once and retries once when the LMS rejects the token', async () => {
    const { client } = clientFor(lms);
    await client.getCourse(course.courseKey);
    lms.revokeTokens();
    const detail = await client.getCourse(course.courseKey);
    expect(detail.id).toBe(course.courseKey);
    expect(lms.count('token')).toBe(2);
    expect(lms.count('course')).toBe(3);
  });

  it('gives up with an auth error when a fresh token is rejected too', async () => {
    const { client } = clientFor(lms);
    lms.failNext('/api/courses/v1/courses/', { status: 401, times: 5 });
    const err = await client.getCourse(course.courseKey).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LmsAuthError);
    expect((err as LmsAuthError).status).toBe(401);
    expect((err as Error).message).not.toMatch(/eyJ/);
    expect(lms.count('course')).toBe(2);
    expect(lms.count('token')).toBe(2);
  });

  it('reports wrong client credentials as a permanent auth error that does not reveal the secret', async () => {
    const secret = 'wrong-secret-6d1e0b';
    const { client } = clientFor(lms, { clientSecret: secret });
    const err = await client.getBlocks(course.courseKey).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LmsAuthError);
    const message = (err as Error).message;
    expect(message).toContain('/oauth2/access_token');
    expect(message).toContain('LMS_OAUTH_CLIENT_SECRET');
    expect(message).not.toContain(secret);
    expect(JSON.stringify(err)).not.toContain(secret);
    expect(lms.count('token')).toBe(1);
    expect(lms.count('blocks')).toBe(0);
  });
});
