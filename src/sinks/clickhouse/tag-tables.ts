import { createHash } from 'node:crypto';
import { newDump } from '../../domain/dump.js';
import type { CourseTags, TagRecord, TaxonomyRecord } from '../../openedx/api-types.js';
import { bind } from './bind.js';
import { databaseOf, retried, type WriterContext } from './context.js';
import { pythonJsonDumps } from './python-json.js';
import { dumpColumns, type DumpColumns } from './tables/descriptor.js';

/**
 * Aspects' tag tables (`taxonomy`, `tag`, `object_tag`; platform-plugin-aspects `sinks/tag_sink.py` and the
 * serializers' column order), written from Studio's tagging API. Aspects' sink writes a row each time Django
 * saves a model; here each table gets a row for every id whose content differs from its latest row, so a
 * replay or a re-sync of an unchanged course writes nothing, and readers' "latest row per id" views
 * (aspects-dbt `dim_most_recent_*`) always hold the current content.
 *
 * `object_tag.id`: no API gives ObjectTag's primary key, so it is derived from what identifies an applied tag
 * (object, taxonomy, tag): the first 31 bits of their sha256, the same on every replay.
 */

export interface TaxonomyRow {
  id: number;
  name: string;
  dump_id: string;
  time_last_dumped: string;
}

export interface TagRow {
  id: number;
  taxonomy: number;
  parent: number;
  value: string;
  external_id: string;
  lineage: string;
  dump_id: string;
  time_last_dumped: string;
}

export interface ObjectTagRow {
  id: number;
  object_id: string;
  taxonomy: number;
  tag: number;
  _value: string;
  _export_id: string;
  lineage: string;
  dump_id: string;
  time_last_dumped: string;
}

export function objectTagId(objectId: string, taxonomyId: number, tagId: number): number {
  return (
    createHash('sha256').update(`${objectId}\u0000${taxonomyId}\u0000${tagId}`).digest().readUInt32BE(0) >>> 1
  );
}

export const taxonomyRow = (t: TaxonomyRecord, s: DumpColumns): TaxonomyRow => ({
  id: t.id,
  name: t.name,
  ...s,
});

/** Tag.parent is null for a root tag, which Aspects' CSV insert stores as 0 in the Int32 column. */
export const tagRow = (t: TagRecord, s: DumpColumns): TagRow => ({
  id: t.id,
  taxonomy: t.taxonomyId,
  parent: t.parentId ?? 0,
  value: t.value,
  external_id: t.externalId ?? '',
  lineage: pythonJsonDumps(t.lineage),
  ...s,
});

export const objectTagRows = (tags: CourseTags, s: DumpColumns): ObjectTagRow[] =>
  tags.objectTags.map((o) => ({
    id: objectTagId(o.objectId, o.taxonomyId, o.tagId),
    object_id: o.objectId,
    taxonomy: o.taxonomyId,
    tag: o.tagId,
    _value: o.value,
    _export_id: o.exportId,
    lineage: pythonJsonDumps(o.lineage),
    ...s,
  }));

const CONTENT_COLUMNS = {
  taxonomy: ['name'],
  tag: ['taxonomy', 'parent', 'value', 'external_id', 'lineage'],
  object_tag: ['object_id', 'taxonomy', 'tag', '_value', '_export_id', 'lineage'],
} as const;
type TagTable = keyof typeof CONTENT_COLUMNS;

/** What a row holds besides its id and dump: rows with the same content are the same write. */
function contentOf(table: TagTable, row: object): string {
  const r = row as Record<string, unknown>;
  return CONTENT_COLUMNS[table].map((c) => String(r[c])).join('\u0000');
}

/**
 * Writes the taxonomies, tags and (for one course) object tags whose content changed since their latest
 * row. Returns the rows written per table.
 */
export async function writeTagTables(
  ctx: WriterContext,
  catalog: { taxonomies: TaxonomyRecord[]; tags: TagRecord[] },
  course?: { courseKey: string; tags: CourseTags },
  now: () => Date = () => new Date(),
): Promise<Record<string, number>> {
  const stamp = dumpColumns(newDump(now()));
  const written: Record<string, number> = {};
  const plan: Array<[TagTable, object[], { objectPrefix?: string; courseKey?: string }]> = [
    ['taxonomy', catalog.taxonomies.map((t) => taxonomyRow(t, stamp)), {}],
    ['tag', catalog.tags.map((t) => tagRow(t, stamp)), {}],
  ];
  if (course) {
    const k = course.courseKey.slice('course-v1:'.length);
    plan.push([
      'object_tag',
      objectTagRows(course.tags, stamp),
      { courseKey: course.courseKey, objectPrefix: `block-v1:${k}+` },
    ]);
  }
  for (const [table, rows, scope] of plan) {
    const latest = await latestContent(ctx, table, scope);
    const changed = rows.filter((r) => latest.get((r as { id: number }).id) !== contentOf(table, r));
    if (changed.length > 0) await insert(ctx, table, changed);
    written[table] = changed.length;
  }
  return written;
}

async function latestContent(
  ctx: WriterContext,
  table: TagTable,
  scope: { objectPrefix?: string; courseKey?: string },
): Promise<Map<number, string>> {
  const database = databaseOf(ctx);
  const parts = CONTENT_COLUMNS[table].map((c) => `toString(${c})`);
  // concat() takes two arguments or more.
  const content = parts.length === 1 ? parts[0]! : `concat(${parts.join(", '\\0', ")})`;
  const where =
    scope.courseKey !== undefined
      ? 'WHERE object_id = {courseKey:String} OR substring(object_id, 1, length({prefix:String})) = {prefix:String}'
      : '';
  const params: Record<string, string> =
    scope.courseKey !== undefined ? { courseKey: scope.courseKey, prefix: scope.objectPrefix ?? '' } : {};
  return retried(ctx, `reading the latest rows of ${database}.${table}`, async () => {
    const rs = await ctx.client.query({
      ...bind(
        `SELECT id, argMax(${content}, time_last_dumped) AS content FROM ${database}.${table} ${where} GROUP BY id`,
        params,
        ctx.capabilities.queryParams,
      ),
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ id: number | string; content: string }>();
    return new Map(rows.map((r) => [Number(r.id), r.content]));
  });
}

async function insert(ctx: WriterContext, table: TagTable, rows: object[]): Promise<void> {
  const database = databaseOf(ctx);
  await retried(ctx, `writing ${rows.length} row(s) to ${database}.${table}`, () =>
    ctx.client.insert({ table: `${database}.${table}`, values: rows, format: 'JSONEachRow' }),
  );
}
