import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../src/errors.js';
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

  it('fails permanently on a wrong password', async () => {
    const url = new URL(process.env.DATABASE_URL ?? '');
    url.password = 'wrong-password';
    await expect(openPostgres({ url: url.toString(), dataDir: '/unused' })).rejects.toBeInstanceOf(
      PermanentError,
    );
  });
});
