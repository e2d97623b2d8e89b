/**
 * Reading back what the catalog sink wrote for one course run, for commands that show it (`demo`); the
 * service itself never reads the catalog this way.
 */
import type { SqlClient } from './sql-client.js';

export interface CatalogRunView {
  courseReadableId: string;
  coursewareId: string;
  title: string;
  startDate: Date | null;
  endDate: Date | null;
}

const RUN_WITH_COURSE = `
SELECT c.readable_id, r.courseware_id, r.title, r.start_date, r.end_date
FROM course_runs r JOIN courses c ON c.id = r.course_id WHERE r.courseware_id = $1`;

export async function catalogRunsOf(sql: SqlClient, courseKey: string): Promise<CatalogRunView[]> {
  const { rows } = await sql.query<{
    readable_id: string;
    courseware_id: string;
    title: string;
    start_date: Date | null;
    end_date: Date | null;
  }>(RUN_WITH_COURSE, [courseKey]);
  return rows.map((r) => ({
    courseReadableId: r.readable_id,
    coursewareId: r.courseware_id,
    title: r.title,
    startDate: r.start_date === null ? null : new Date(r.start_date),
    endDate: r.end_date === null ? null : new Date(r.end_date),
  }));
}
