/**
 * Writes Aspects' tag tables (`taxonomy`, `tag`, `object_tag`; platform-plugin-aspects `sinks/tag_sink.py`)
 * from Studio's tagging API. Aspects' sink writes a row each time Django saves a model; here each table gets
 * a row for every id whose content differs from its latest row, so a replay or a re-sync of an unchanged
 * course writes nothing, and readers' "latest row per id" views (aspects-dbt `dim_most_recent_*`) always
 * hold the current content.
 */

import { usageKeyPrefix } from '../../domain/keys.js';
import { newDump } from '../../domain/dump.js';
import type { CourseTags } from '../../openedx/api-types.js';
import { bind } from './bind.js';
import { databaseOf, retried, type WriterContext } from './context.js';
import {
  DUMP_COLUMN_NAMES,
  dumpColumns,
  type DumpColumns,
  type TableDescriptor,
} from './tables/descriptor.js';
import { objectTag } from './tables/object-tag.js';
import { tag } from './tables/tag.js';
import { taxonomy } from './tables/taxonomy.js';

type TagTableRow = DumpColumns & { id: number };

/** Which of a table's rows the new ones are compared with: all of them, or one course's object tags. */
interface Scope {
  courseKey?: string;
  objectPrefix?: string;
}

/** One table's rows of this write. */
interface Planned {
  table: string;
  /** Every column but the id and the dump's: rows with the same content are the same write. */
  content: readonly string[];
  rows: TagTableRow[];
  scope: Scope;
}

/**
 * Writes the taxonomies, tags and (for one course) object tags whose content changed since their latest
 * row. Returns the rows written per table.
 */
export async function writeTagTables(
  ctx: WriterContext,
  catalog: Pick<CourseTags, 'taxonomies' | 'tags'>,
  course?: { courseKey: string; tags: CourseTags },
  now: () => Date = () => new Date(),
): Promise<Record<string, number>> {
  const stamp = dumpColumns(newDump(now()));
  const written: Record<string, number> = {};
  const plan = [planned(taxonomy, catalog, stamp), planned(tag, catalog, stamp)];
  if (course) {
    const scope = { courseKey: course.courseKey, objectPrefix: usageKeyPrefix(course.courseKey) };
    plan.push(planned(objectTag, course.tags, stamp, scope));
  }
  for (const { table, content, rows, scope } of plan) {
    const latest = await latestContent(ctx, table, content, scope);
    const changed = rows.filter((r) => latest.get(r.id) !== contentOf(content, r));
    if (changed.length > 0) await insert(ctx, table, changed);
    written[table] = changed.length;
  }
  return written;
}

function planned<Source, Row extends TagTableRow>(
  descriptor: TableDescriptor<Source, Row>,
  source: Source,
  stamp: DumpColumns,
  scope: Scope = {},
): Planned {
  const notContent: readonly string[] = ['id', ...DUMP_COLUMN_NAMES];
  return {
    table: descriptor.table,
    content: descriptor.columns.filter((c) => !notContent.includes(c)),
    rows: [...descriptor.rows(source, stamp)],
    scope,
  };
}

function contentOf(content: readonly string[], row: object): string {
  const r = row as Record<string, unknown>;
  return content.map((c) => String(r[c])).join('\u0000');
}

async function latestContent(
  ctx: WriterContext,
  table: string,
  content: readonly string[],
  scope: Scope,
): Promise<Map<number, string>> {
  const database = databaseOf(ctx);
  const parts = content.map((c) => `toString(${c})`);
  // concat() takes two arguments or more.
  const joined = parts.length === 1 ? parts[0]! : `concat(${parts.join(", '\\0', ")})`;
  const where =
    scope.courseKey !== undefined
      ? 'WHERE object_id = {courseKey:String} OR substring(object_id, 1, length({prefix:String})) = {prefix:String}'
      : '';
  const params: Record<string, string> =
    scope.courseKey !== undefined ? { courseKey: scope.courseKey, prefix: scope.objectPrefix ?? '' } : {};
  return retried(ctx, `reading the latest rows of ${database}.${table}`, async () => {
    const rs = await ctx.client.query({
      ...bind(
        `SELECT id, argMax(${joined}, time_last_dumped) AS content FROM ${database}.${table} ${where} GROUP BY id`,
        params,
        ctx.capabilities.queryParams,
      ),
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ id: number | string; content: string }>();
    return new Map(rows.map((r) => [Number(r.id), r.content]));
  });
}

async function insert(ctx: WriterContext, table: string, rows: object[]): Promise<void> {
  const database = databaseOf(ctx);
  await retried(ctx, `writing ${rows.length} row(s) to ${database}.${table}`, () =>
    ctx.client.insert({ table: `${database}.${table}`, values: rows, format: 'JSONEachRow' }),
  );
}
