import type { Dump } from '../../../domain/dump.js';
import type { CourseSnapshot } from '../../../openedx/api-types.js';
import type { Outline } from '../../../outline/types.js';
import { formatDumpTime } from '../datetime.js';

/**
 * What describes one table this sink writes, the way Aspects' own sinks are one small class per table:
 * every table is a file of `tables/` exporting one descriptor, and the writers only iterate them.
 */
export interface TableDescriptor<Source, Row extends DumpColumns = DumpColumns> {
  readonly table: string;
  /** In Aspects' column order; the INSERT names them, and the rows' keys are these, in this order. */
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
