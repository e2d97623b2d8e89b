import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../../src/errors.js';
import { openPostgres } from '../../../src/sinks/postgres/open.js';

describe('openPostgres with a URL', () => {
  it('fails at start-up with a retryable error naming the host, never the password, when nothing listens', async () => {
    const err = await openPostgres({
      url: 'postgres://course_sink:s3cret@127.0.0.1:1/course_sink',
      dataDir: '/unused',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/127\.0\.0\.1:1\/course_sink/);
    expect((err as Error).message).not.toMatch(/s3cret/);
  });

  it('fails retryably on a wrong password, naming the setting to fix: events wait for the operator', async () => {
    const url = new URL(process.env.DATABASE_URL ?? '');
    url.password = 'wrong-password';
    const err = await openPostgres({ url: url.toString(), dataDir: '/unused' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/DATABASE_URL/);
    expect((err as Error).message).not.toContain('wrong-password');
  });
});
