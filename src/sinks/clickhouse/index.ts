/**
 * The ClickHouse sink as the rest of the service uses it: connecting, migrating, the course sink of
 * src/sync, the tag writer and the table descriptors.
 */

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
export { courseOverviews } from './tables/course-overviews.js';
export { courseBlocks } from './tables/course-blocks.js';
export { courseRelationships } from './tables/course-relationships.js';
export { taxonomy } from './tables/taxonomy.js';
export { tag } from './tables/tag.js';
export { objectTag } from './tables/object-tag.js';
export { writeTagTables } from './tag-writer.js';
export { dumpColumns, type DumpColumns, type TableDescriptor } from './tables/descriptor.js';
export { dumpRowCounts } from './dump-rows.js';
export { formatDumpTime } from './datetime.js';
