/**
 * Asks whether a table exists: aspects-dbt creates some of the tables this sink reads
 * (dim_most_recent_course_blocks) and drops others it writes (course_relationships).
 */

import type { ClickHouseClient } from '@clickhouse/client';
import { bind } from './bind.js';

/** Whether `database.table` exists: tables created outside course-sink (dbt's) or dropped by it may come and go. */
export async function tableExists(
  client: ClickHouseClient,
  database: string,
  table: string,
  queryParams: boolean,
): Promise<boolean> {
  const rs = await client.query({
    ...bind(
      'SELECT count() AS n FROM system.tables WHERE database = {database:String} AND name = {table:String}',
      { database, table },
      queryParams,
    ),
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ n: number | string }>();
  return Number(rows[0]?.n ?? 0) > 0;
}
