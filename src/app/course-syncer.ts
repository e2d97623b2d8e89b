/**
 * Binds the sync's ports to the configured ClickHouse and Postgres: the one place a course sync is assembled
 * from stores.
 */
import type { Logger } from '../log.js';
import type { CourseEvent } from '../domain/events.js';
import { ClickHouseCourseSink } from '../sinks/clickhouse/index.js';
import { PostgresCatalogSink } from '../sinks/postgres/index.js';
import { syncCourse, type RetryRunner, type SyncObserver, type SyncResult } from '../sync/course-sync.js';
import type { CourseSource, ExportSink } from '../sync/ports.js';
import type { Config } from './config.js';
import { createRetryRunner } from './retry-runner.js';
import { clickhouseWriterContext, type Stores } from './stores.js';

export type CourseSyncer = (courseKey: string, events?: readonly CourseEvent[]) => Promise<SyncResult>;

export interface CourseSyncerOptions {
  source: CourseSource;
  logger: Logger;
  exports?: ExportSink;
  observer?: SyncObserver;
  retry?: RetryRunner;
}

/** Binds the sync's ports to the configured stores: the one place a course sync is assembled. */
export function createCourseSyncer(
  config: Config,
  stores: Stores,
  options: CourseSyncerOptions,
): CourseSyncer {
  const deps = {
    source: options.source,
    clickhouse: new ClickHouseCourseSink(clickhouseWriterContext(config, stores)),
    catalog: new PostgresCatalogSink(stores.postgres, {
      lmsBaseUrl: config.lms?.baseUrl,
      logger: options.logger.child({ component: 'catalog' }),
    }),
    exports: options.exports,
    logger: options.logger,
    retry: options.retry ?? createRetryRunner(options.logger),
    observer: options.observer,
    freshness: config.freshness,
  };
  return (courseKey, events = []) => syncCourse(deps, courseKey, [...events]);
}
