/**
 * Deletes the rows of blocks removed from a course, after its dump is written (opt-in:
 * CLICKHOUSE_PRUNE_REMOVED_BLOCKS).
 */

import type { ClickHouseClient } from '@clickhouse/client';
import type { Outline } from '../../outline/types.js';
import { bind } from './bind.js';
import type { ServerCapabilities } from './connection.js';
import { assertClusterName, assertIdentifier } from './identifiers.js';
import { tableExists } from './table-exists.js';

export interface PruneContext {
  client: ClickHouseClient;
  database: string;
  cluster?: string;
  capabilities: ServerCapabilities;
}

/** dbt's target table of `dim_most_recent_course_blocks`; it only exists once aspects-dbt has run. */
const MOST_RECENT_TABLE = 'dim_most_recent_course_blocks';

/**
 * Deletes the rows of blocks that are no longer in the course's outline (opt-in: CLICKHOUSE_PRUNE_REMOVED_BLOCKS).
 *
 * Stock Aspects never deletes: a removed block keeps its last row in dim_most_recent_course_blocks
 * forever, with stale section/subsection/unit numbers that can collide with the current ones in
 * dim_course_blocks. Pruning fixes that, at a price: the block's whole history goes too, so learner
 * events on a deleted block lose their name and position in reports, and on servers without
 * lightweight DELETE each prune is a mutation that rewrites the course's parts in the background.
 *
 * Runs after the dump is written; the writer reports a prune that keeps failing instead of failing the
 * sync, so the new dump stands and the next sync of the course prunes again.
 */
export async function pruneRemovedBlocks(ctx: PruneContext, outline: Outline): Promise<string[]> {
  const locations = outline.rows.map((r) => r.location);
  // An outline always holds its root; an empty one means something upstream went wrong, not "delete all".
  if (locations.length === 0) return [];
  const database = assertIdentifier(ctx.database, 'CLICKHOUSE_DATABASE');
  const pruned: string[] = [];
  for (const table of ['course_blocks', MOST_RECENT_TABLE]) {
    if (
      table === MOST_RECENT_TABLE &&
      !(await tableExists(ctx.client, database, table, ctx.capabilities.queryParams))
    ) {
      continue;
    }
    await ctx.client.command(deleteStatement(ctx, database, table, outline.courseKey, locations));
    pruned.push(table);
  }
  return pruned;
}

function deleteStatement(
  ctx: PruneContext,
  database: string,
  table: string,
  courseKey: string,
  locations: string[],
): { query: string; query_params?: Record<string, string | string[]> } {
  const onCluster = ctx.cluster ? ` ON CLUSTER '${assertClusterName(ctx.cluster)}'` : '';
  const where = 'WHERE course_key = {courseKey:String} AND NOT has({locations:Array(String)}, location)';
  const query = ctx.capabilities.lightweightDelete
    ? `DELETE FROM ${database}.${table}${onCluster} ${where}`
    : `ALTER TABLE ${database}.${table}${onCluster} DELETE ${where}`;
  return bind(query, { courseKey, locations }, ctx.capabilities.queryParams);
}
