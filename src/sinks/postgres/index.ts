/** What the rest of course-sink uses of the Postgres catalog sink: opening, migrating, and syncing course runs. */
export type { SqlClient } from './sql-client.js';
export { openPostgres, type OpenPostgresOptions } from './open.js';
export { migrate, readMigrations, DEFAULT_MIGRATIONS_DIR, type MigrateResult } from './migrate.js';
export {
  syncCourseRun,
  markRunRemoved,
  type CatalogSyncResult,
  type WriteOutcome,
  type RemovalReason,
  type RemovalOutcome,
} from './catalog.js';
export {
  runFromCourseDetail,
  runFromCatalogInfo,
  courseReadableId,
  type CatalogRunInput,
} from './catalog-input.js';
export { PostgresCatalogSink } from './sink.js';
export { catalogRunsOf, type CatalogRunView } from './course-runs.js';
