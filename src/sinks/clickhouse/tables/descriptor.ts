/**
 * The shape of a table descriptor (name, columns, row builder) and the dump columns all rows share. Each
 * table this sink writes is one file of `tables/` exporting one descriptor, the way Aspects' own sinks are
 * one small class per table: a new table is a new file, and the writers only use descriptors.
 */

import type { Dump } from '../../../domain/dump.js';
import type { CourseSnapshot } from '../../../openedx/api-types.js';
import type { Outline } from '../../../outline/types.js';
import { formatDumpTime } from '../datetime.js';

/** One table: its name, its columns, and how its rows of one write are built from `Source`. */
export interface TableDescriptor<Source, Row extends DumpColumns = DumpColumns> {
  readonly table: string;
  /**
   * In Aspects' column order, which is also the order of the rows' keys. The course writer's INSERT names
   * them; the tag writer compares rows by those that are neither the id nor the dump's.
   */
  readonly columns: readonly (keyof Row & string)[];
  /**
   * The rows of one write, built one at a time as they are iterated, so that a writer can stream them
   * (100k-block courses exist); what all of them share is worked out once per call.
   */
  rows(source: Source, stamp: DumpColumns): Iterable<Row>;
}

/** What a course's own tables are built from: one read of the course and its outline. */
export interface CourseContent {
  snapshot: CourseSnapshot;
  outline: Outline;
}

/** A table holding one course's rows of each dump. */
export interface CourseTableDescriptor<Row extends DumpColumns> extends TableDescriptor<CourseContent, Row> {
  /**
   * Whether the table's sorting key starts with `org` before `course_key`: a look-up of one course's rows
   * names both then, or it reads every course.
   */
  readonly keyedByOrg: boolean;
  /** The table may be missing (dropped by aspects-dbt): it is written only while it exists. */
  readonly mayBeDropped?: boolean;
}

/** A course table as a writer of several holds it: rows of any of them, the columns as plain names. */
export type AnyCourseTable = Omit<CourseTableDescriptor<DumpColumns>, 'columns'> & {
  readonly columns: readonly string[];
};

/**
 * The two columns every row of one dump carries, as Aspects spells them. Spelled once per write of a dump
 * (not per row), and the same on every retry, since the dump's instant is.
 */
export interface DumpColumns {
  dump_id: string;
  /** `YYYY-MM-DD HH:MM:SS.ffffff+00:00` */
  time_last_dumped: string;
}

/** Last in every table's column list, as in Aspects' serializers. */
export const DUMP_COLUMN_NAMES = ['dump_id', 'time_last_dumped'] as const satisfies ReadonlyArray<
  keyof DumpColumns
>;

export function dumpColumns(dump: Dump): DumpColumns {
  return { dump_id: dump.dumpId, time_last_dumped: formatDumpTime(dump.dumpedAt) };
}
