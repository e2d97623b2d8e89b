import { describe, expect, it } from 'vitest';
import { Alarms } from '../../src/alarms.js';
import type { Config } from '../../src/app/config.js';
import { runReadinessChecks } from '../../src/app/health.js';
import { readinessChecks } from '../../src/app/readiness.js';
import type { Stores } from '../../src/app/stores.js';

const stores = {
  clickhouse: { client: { ping: async () => ({ success: true }) } },
  postgres: { query: async () => ({ rows: [] }) },
} as unknown as Stores;
const config = { bus: { backend: 'kafka' } } as Config;

describe('readinessChecks', () => {
  it('is not ready while an alarm is raised, naming its cause, and ready again once it is cleared', async () => {
    const alarms = new Alarms(() => new Date('2026-01-01T00:00:00Z'));
    const checks = readinessChecks({ config, stores, alarms });
    expect((await runReadinessChecks(checks)).status).toBe('ready');

    alarms.raise('dead-letter:t.dlq', 'writing to dead-letter topic t.dlq failed: t[0]@5 waits');
    const report = await runReadinessChecks(checks);
    expect(report.status).toBe('not ready');
    expect(report.checks.progress).toMatchObject({
      ok: false,
      error: 'writing to dead-letter topic t.dlq failed: t[0]@5 waits (since 2026-01-01T00:00:00.000Z)',
    });

    alarms.clear('dead-letter:t.dlq');
    expect((await runReadinessChecks(checks)).status).toBe('ready');
  });
});
