export {
  openClickHouse,
  capabilitiesOf,
  type ClickHouseConnection,
  type ServerCapabilities,
} from './connection.js';
export { migrateClickHouse, type MigrateOptions } from './migrate.js';
export {
  writeCourseDump,
  type WriterContext,
  type CourseDumpInput,
  type CourseDumpResult,
} from './writer.js';
export { pruneRemovedBlocks } from './prune.js';
export { ClickHouseCourseSink } from './sink.js';
export {
  formatDumpTime,
  courseOverviewRow,
  courseBlockRows,
  courseRelationshipRows,
  type DumpStamp,
} from './rows.js';
export { dumpRowCounts } from './dump-rows.js';
