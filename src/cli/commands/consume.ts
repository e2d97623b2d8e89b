import type { Command } from 'commander';
import { Alarms } from '../../alarms.js';
import { createBusConsumer } from '../../bus/consumer.js';
import { lmsClient } from '../../app/course-source.js';
import { startTagRefresher } from '../../app/tag-refresher.js';
import { LmsCourseSource } from '../../openedx/lms/index.js';
import { createCourseSyncer } from '../../app/course-syncer.js';
import { createExports } from '../../app/exports.js';
import { startHttpServer } from '../../app/http.js';
import { Metrics } from '../../app/metrics.js';
import { readinessChecks } from '../../app/readiness.js';
import { migrateStores, openStores } from '../../app/stores.js';
import { loadRuntime } from '../runtime.js';

interface ConsumeOptions {
  exportWorker: boolean;
}

export function consumeCommand(program: Command): void {
  program
    .command('consume')
    .description('Run the bridge: consume course events, sync each course to every store, build exports')
    .option('--no-export-worker', 'only queue export builds; run `export-worker` elsewhere to build them')
    .action(async (opts: ConsumeOptions) => {
      const { config, logger } = loadRuntime('stdout');
      const metrics = new Metrics({ logger });
      const alarms = new Alarms();
      const stores = await openStores(config, logger);
      await migrateStores(stores, config, logger);
      const exports = createExports(config, stores, logger, metrics);
      const lms = lmsClient(config, logger);
      const sync = createCourseSyncer(config, stores, {
        source: new LmsCourseSource(lms),
        logger,
        exports: exports.sink,
        observer: metrics,
      });
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
        { http: http.url, export_worker: opts.exportWorker },
        'course-sink starting: joining the consumer group',
      );

      const stopped = new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
        fatal = resolve;
      });
      // Starting can wait (topics not created yet, brokers unreachable): a SIGTERM must still stop it.
      const tagRefresher = startTagRefresher(
        lms,
        {
          client: stores.clickhouse.client,
          database: config.clickhouse.database,
          cluster: config.clickhouse.cluster,
          capabilities: stores.clickhouse.capabilities,
        },
        config.lms?.tags ? config.tagsRefreshIntervalMs : 0,
        logger.child({ component: 'tags' }),
      );
      const started = bus.start().then(() => {
        if (opts.exportWorker) exports.startWorker();
        logger.info('consumer group joined; consuming');
      });
      const signal = await Promise.race([stopped, started.then(() => stopped)]);
      logger.info({ signal, grace_ms: config.shutdownGraceMs }, 'stopping: finishing syncs in flight');
      tagRefresher.stop();
      await Promise.all([bus.stop(config.shutdownGraceMs), exports.stopWorker()]);
      await started.catch(() => undefined);
      await http.close();
      exports.close();
      await stores.close();
      logger.info('stopped');
    });
}
