/**
 * The legacy `course_relationships` table: a row for each parent-child edge of the outline, while
 * aspects-dbt has not dropped the table.
 */

import { assertDumpTime } from '../datetime.js';
import { DUMP_COLUMN_NAMES, type CourseTableDescriptor, type DumpColumns } from './descriptor.js';

/** The legacy `course_relationships` table; `order` is the 0-based index among the parent's children. */
export interface CourseRelationshipRow extends DumpColumns {
  course_key: string;
  parent_location: string;
  child_location: string;
  order: number;
}

/**
 * A row for each parent-child edge of the outline. aspects-dbt's `remove_deprecated_models` drops the table,
 * so it is written only while it exists.
 */
export const courseRelationships: CourseTableDescriptor<CourseRelationshipRow> = {
  table: 'course_relationships',
  columns: ['course_key', 'parent_location', 'child_location', 'order', ...DUMP_COLUMN_NAMES],
  keyedByOrg: false,
  mayBeDropped: true,
  *rows({ outline }, stamp) {
    assertDumpTime(stamp.time_last_dumped);
    for (const r of outline.relationships) {
      yield {
        course_key: outline.courseKey,
        parent_location: r.parentLocation,
        child_location: r.childLocation,
        order: r.order,
        dump_id: stamp.dump_id,
        time_last_dumped: stamp.time_last_dumped,
      };
    }
  },
};
