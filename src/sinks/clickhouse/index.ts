export {
  openClickHouse,
  capabilitiesOf,
  type ClickHouseConnection,
  type ServerCapabilities,
} from './connection.js';
export { migrateClickHouse, type MigrateOptions } from './migrate.js';
export type { WriterContext } from './context.js';
export { writeCourseDump, type CourseDumpInput, type CourseDumpResult } from './writer.js';
export { pruneRemovedBlocks } from './prune.js';
export { ClickHouseCourseSink } from './sink.js';
export { courseOverviewRow, courseBlockRows, courseRelationshipRows } from './rows.js';
export { dumpColumns, type DumpColumns } from './tables/descriptor.js';
