/**
 * The two long-running processes, `consume` and `export-worker`: each opens the service, serves /healthz,
 * /readyz and /metrics, runs until SIGTERM or SIGINT, and then stops in the order that loses nothing
 * (stop reading, finish syncs in flight within the grace period, commit, close the stores).
 */
import { Alarms } from '../alarms.js';
import { createBusConsumer } from '../bus/consumer.js';
import { startHttpServer } from './http.js';
import { Metrics } from './metrics.js';
import { readinessChecks } from './readiness.js';
import type { Runtime } from './runtime.js';
import { openService } from './service.js';
import { clickhouseWriterContext } from './stores.js';
import { startTagRefresher } from './tag-refresher.js';

/** Resolves with the signal's name on the first SIGTERM or SIGINT. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

export async function runConsumer(runtime: Runtime, options: { exportWorker: boolean }): Promise<void> {
  const { config, logger } = runtime;
  const metrics = new Metrics({ logger });
  const alarms = new Alarms();
  const service = await openService(runtime, { metrics, needsLms: true });
  const { stores, exports } = service;
  const sync = service.courseSyncer({ observer: metrics });
  let fatal: (reason: string) => void = () => undefined;
  const bus = createBusConsumer(config.bus, {
    sync: async (courseKey, events) => void (await sync(courseKey, events)),
    logger: logger.child({ component: 'bus' }),
    observer: metrics,
    alarms,
    onFatal: (err) => {
      logger.fatal({ err }, 'the consumer stopped for good; exiting so the process is restarted');
      process.exitCode = 1;
      fatal('fatal');
    },
  });
  metrics.setLagSource(() => bus.lag());
  const http = await startHttpServer({
    port: config.http.port,
    checks: readinessChecks({ config, stores, bus, exports, alarms }),
    metrics,
    logger,
  });
  logger.info(
    { http: http.url, export_worker: options.exportWorker },
    'course-sink starting: joining the consumer group',
  );

  const stopped = Promise.race([stopSignal(), new Promise<string>((resolve) => (fatal = resolve))]);
  const tagRefresher = startTagRefresher(
    service.lms(),
    clickhouseWriterContext(config, stores),
    config.lms?.tags ? config.tagsRefreshIntervalMs : 0,
    logger.child({ component: 'tags' }),
  );
  // Starting can wait (topics not created yet, brokers unreachable): a SIGTERM must still stop it.
  const started = bus.start().then(() => {
    if (options.exportWorker) exports.startWorker();
    logger.info('consumer group joined; consuming');
  });
  const signal = await Promise.race([stopped, started.then(() => stopped)]);
  logger.info({ signal, grace_ms: config.shutdownGraceMs }, 'stopping: finishing syncs in flight');
  tagRefresher.stop();
  await Promise.all([bus.stop(config.shutdownGraceMs), exports.stopWorker()]);
  await started.catch(() => undefined);
  await http.close();
  await service.close();
  logger.info('stopped');
}

/** Builds queued export archives apart from the consumers (`consume --no-export-worker` elsewhere). */
export async function runExportWorker(runtime: Runtime): Promise<void> {
  const { config, logger } = runtime;
  const metrics = new Metrics({ logger });
  const service = await openService(runtime, { metrics });
  const http = await startHttpServer({
    port: config.http.port,
    checks: readinessChecks({ config, stores: service.stores, exports: service.exports }),
    metrics,
    logger,
  });
  const stopped = stopSignal();
  service.exports.startWorker();
  await stopped;
  await service.exports.stopWorker();
  await http.close();
  await service.close();
}
