import { afterEach, describe, expect, it } from 'vitest';
import type { ReadinessCheck } from '../../src/app/health.js';
import { startHttpServer, type HttpServer } from '../../src/app/http.js';
import { Metrics } from '../../src/app/metrics.js';

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const servers: HttpServer[] = [];

async function start(
  checks: ReadinessCheck[] = [],
  extra: Partial<Parameters<typeof startHttpServer>[0]> = {},
) {
  const metrics = new Metrics({ defaultMetrics: false });
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    checks,
    metrics,
    logger: silent,
    ...extra,
  });
  servers.push(server);
  return { server, metrics };
}

const passing = (name: string): ReadinessCheck => ({ name, run: async () => {} });

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('startHttpServer', () => {
  it('answers /healthz with 200 while the event loop turns', async () => {
    const { server } = await start();
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', eventLoop: { ok: true } });
  });

  it('answers /healthz with 503 after the event loop was blocked beyond the threshold', async () => {
    const { server } = await start([], {
      eventLoop: { thresholdMs: 100, intervalMs: 20, rememberMs: 60_000 },
    });
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // A synchronous busy loop stands for a runaway computation.
    }
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; eventLoop: { worstDelayMs: number } };
    expect(body.status).toBe('event loop stalled');
    expect(body.eventLoop.worstDelayMs).toBeGreaterThan(100);
  });

  it('answers /readyz with 200 and every check when all pass', async () => {
    const { server } = await start([
      passing('kafka'),
      passing('clickhouse'),
      passing('postgres'),
      passing('s3'),
    ]);
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; ms: number }>;
    };
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks).sort()).toEqual(['clickhouse', 'kafka', 'postgres', 's3']);
    expect(Object.values(body.checks).every((c) => c.ok && c.ms >= 0)).toBe(true);
  });

  it('answers /readyz with 503 naming the failing check and its error', async () => {
    const { server } = await start([
      passing('kafka'),
      {
        name: 'clickhouse',
        run: async () => {
          throw new Error('ClickHouse at http://clickhouse:8123 refused the connection');
        },
      },
    ]);
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'not ready',
      checks: {
        kafka: { ok: true },
        clickhouse: { ok: false, error: 'ClickHouse at http://clickhouse:8123 refused the connection' },
      },
    });
  });

  it('times out a readiness check that hangs and aborts its signal', async () => {
    let aborted = false;
    const hanging: ReadinessCheck = {
      name: 'postgres',
      timeoutMs: 100,
      run: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    };
    const { server } = await start([passing('kafka'), hanging]);
    const started = Date.now();
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    const body = (await res.json()) as {
      checks: Record<string, { ok: boolean; error?: string; ms: number }>;
    };
    expect(body.checks.postgres).toMatchObject({ ok: false, error: 'postgres did not answer within 100 ms' });
    expect(body.checks.postgres?.ms).toBeGreaterThanOrEqual(99);
    expect(aborted).toBe(true);
  });

  it('serves the recorded counters as Prometheus text on /metrics', async () => {
    const { server, metrics } = await start();
    metrics.syncStarted('course-v1:edX+DemoX+Demo_Course');
    metrics.syncFinished('course-v1:edX+DemoX+Demo_Course', 'succeeded', 0.4);
    metrics.rowsWritten('course_blocks', 42);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('course_sink_syncs_started_total 1');
    expect(text).toContain('course_sink_syncs_total{outcome="succeeded"} 1');
    expect(text).toContain('course_sink_rows_written_total{table="course_blocks"} 42');
  });

  it('answers 404 for unknown paths and 405 for methods other than GET and HEAD', async () => {
    const { server } = await start();
    expect((await fetch(`${server.url}/admin`)).status).toBe(404);
    const post = await fetch(`${server.url}/readyz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('closes while a client keeps its connection alive', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const server = await startHttpServer({ port: 0, host: '127.0.0.1', checks: [], metrics, logger: silent });
    await (await fetch(`${server.url}/healthz`, { headers: { connection: 'keep-alive' } })).text();
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
