/**
 * The composition root: one place that turns the configuration into working parts (stores, exports, the
 * LMS client, a course syncer) for the running service and every one-shot command alike, so `consume`,
 * `sync`, `export`, `backfill` and `demo` cannot assemble a course sync in different ways.
 */
import type { LmsClient } from '../openedx/lms/index.js';
import { latestExport, type LatestExport } from '../sinks/exports/index.js';
import type { SyncObserver } from '../sync/course-sync.js';
import type { CourseSource } from '../sync/ports.js';
import type { Config } from './config.js';
import { lmsClient } from './lms-client.js';
import { createCourseSyncer, type CourseSyncer } from './course-syncer.js';
import { createExports, type ExportsRuntime } from './exports.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Runtime } from './runtime.js';
import { migrateStores, openStores, type Stores } from './stores.js';
import { LmsCourseSource } from '../openedx/lms/index.js';

export interface Service {
  readonly config: Config;
  readonly logger: Logger;
  readonly stores: Stores;
  /** The export queue sink and its worker; the worker runs only when started. */
  readonly exports: ExportsRuntime;
  /** The LMS client of the configuration, made on first use (a ConfigError when LMS_* is not set). */
  lms(): LmsClient;
  /**
   * Syncs one course from `source` (the LMS when omitted) into every store; export builds are queued
   * unless `exports` is false.
   */
  courseSyncer(options?: { source?: CourseSource; exports?: boolean; observer?: SyncObserver }): CourseSyncer;
  latestExport(courseKey: string): Promise<LatestExport | undefined>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Export builds and sync results are counted here (the long-running processes). */
  metrics?: Metrics;
  /** The command reads courses from the LMS: its settings are checked first. */
  needsLms?: boolean;
}

/**
 * Opens both stores and brings their schema up to date first: migrations are idempotent and locked, so
 * every command runs them and a fresh DATA_DIR works without a separate `migrate`.
 */
export async function openService(runtime: Runtime, options: ServiceOptions = {}): Promise<Service> {
  const { config, logger } = runtime;
  // A command that reads the LMS fails on missing LMS_* settings before any store is opened.
  let lms = options.needsLms ? lmsClient(config, logger) : undefined;
  const stores = await openStores(config, logger);
  try {
    await migrateStores(stores, config, logger);
  } catch (err) {
    await stores.close();
    throw err;
  }
  const exports = createExports(config, stores, logger, options.metrics);
  const service: Service = {
    config,
    logger,
    stores,
    exports,
    lms: () => (lms ??= lmsClient(config, logger)),
    courseSyncer: (opts = {}) =>
      createCourseSyncer(config, stores, {
        source: opts.source ?? new LmsCourseSource(service.lms()),
        logger,
        exports: opts.exports === false ? undefined : exports.sink,
        observer: opts.observer,
      }),
    latestExport: (courseKey) => latestExport(stores.postgres, courseKey),
    async close() {
      exports.close();
      await stores.close();
    },
  };
  return service;
}

/** Runs `fn` with an open service and closes it after, whatever `fn` does. */
export async function withService<T>(
  runtime: Runtime,
  fn: (service: Service) => Promise<T>,
  options?: ServiceOptions,
): Promise<T> {
  const service = await openService(runtime, options);
  try {
    return await fn(service);
  } finally {
    await service.close();
  }
}
