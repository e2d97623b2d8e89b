/** The service's small HTTP server: /healthz, /readyz and /metrics for probes and Prometheus, nothing else. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EventLoopWatch,
  runReadinessChecks,
  type EventLoopWatchOptions,
  type ReadinessCheck,
} from './health.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface HttpServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Defaults to every interface, as a pod's probes need. */
  host?: string;
  checks: readonly ReadinessCheck[];
  metrics: Metrics;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Timeout of a readiness check that sets none itself. */
  checkTimeoutMs?: number;
  eventLoop?: EventLoopWatchOptions;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The operations surface: /healthz (liveness: the event loop turns), /readyz (every dependency answers)
 * and /metrics (Prometheus text). Nothing else is served.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const watch = new EventLoopWatch(options.eventLoop);
  watch.start();

  const routes: Record<string, (res: ServerResponse) => Promise<void>> = {
    '/healthz': async (res) => {
      const loop = watch.status();
      sendJson(res, loop.ok ? 200 : 503, { status: loop.ok ? 'ok' : 'event loop stalled', eventLoop: loop });
    },
    '/readyz': async (res) => {
      const report = await runReadinessChecks(options.checks, options.checkTimeoutMs);
      if (report.status !== 'ready') options.logger.warn({ readiness: report }, 'not ready');
      sendJson(res, report.status === 'ready' ? 200 : 503, report);
    },
    '/metrics': async (res) => {
      const body = await options.metrics.text();
      res.writeHead(200, { 'content-type': options.metrics.contentType }).end(body);
    },
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      options.logger.error({ err, path: req.url }, 'HTTP handler failed');
      if (!res.headersSent) sendJson(res, 500, { status: 'error', error: String(err) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    if (!route) return sendJson(res, 404, { status: 'not found', paths: Object.keys(routes) });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { status: 'method not allowed' });
    }
    await route(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '[::]' ? '[::1]' : host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  options.logger.info({ url }, 'health and metrics server listening');

  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        watch.stop();
        server.close((err) => (err ? reject(err) : resolve()));
        // Prometheus and kubelet keep connections alive; shutdown must not wait for them.
        server.closeAllConnections();
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
