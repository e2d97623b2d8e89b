import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createRetryRunner } from '../../src/app/retry-runner.js';
import { RetryableError } from '../../src/errors.js';

const quick = { initialMs: 1, maxMs: 1, multiplier: 1, maxAttempts: 4 };

describe('createRetryRunner', () => {
  it('calls the LMS and ClickHouse steps once: their adapters own their retries, so attempts never multiply', async () => {
    const runner = createRetryRunner(pino({ level: 'silent' }), quick);
    for (const step of ['lms', 'clickhouse']) {
      const fn = vi.fn().mockRejectedValue(new RetryableError(`${step} down`));
      await expect(runner(step, fn)).rejects.toThrow(`${step} down`);
      expect(fn).toHaveBeenCalledTimes(1);
    }
  });

  it('retries Postgres and the export queue, which have no retry of their own, within its budget', async () => {
    const runner = createRetryRunner(pino({ level: 'silent' }), quick);
    for (const step of ['postgres', 'exports']) {
      const fn = vi.fn().mockRejectedValue(new RetryableError(`${step} down`));
      await expect(runner(step, fn)).rejects.toThrow(`${step} down`);
      expect(fn).toHaveBeenCalledTimes(4);
    }
  });
});
