/**
 * How many rows one dump left in each of Aspects' outline tables, for commands that show a sync's result
 * (`demo`). Counting by dump_id reads only that dump, whatever older dumps the tables still hold.
 */
import { bind } from './bind.js';
import type { ClickHouseConnection } from './connection.js';
import { assertIdentifier } from './identifiers.js';
import { courseBlocks } from './tables/course-blocks.js';
import { courseOverviews } from './tables/course-overviews.js';
import { courseRelationships } from './tables/course-relationships.js';

const OUTLINE_TABLES = [courseOverviews.table, courseBlocks.table, courseRelationships.table];

export async function dumpRowCounts(
  connection: ClickHouseConnection,
  database: string,
  dumpId: string,
): Promise<Record<string, number>> {
  const db = assertIdentifier(database, 'CLICKHOUSE_DATABASE');
  const counts: Record<string, number> = {};
  for (const table of OUTLINE_TABLES) {
    const rs = await connection.client.query({
      ...bind(
        `SELECT count() AS n FROM ${db}.${table} WHERE dump_id = {dump:UUID}`,
        { dump: dumpId },
        connection.capabilities.queryParams,
      ),
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string | number }>();
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}
