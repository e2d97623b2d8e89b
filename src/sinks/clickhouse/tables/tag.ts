/** The `tag` table: a row for each tag of every taxonomy (written by tag-writer.ts). */

import type { CourseTags } from '../../../openedx/api-types.js';
import { pythonJsonDumps } from '../python-json.js';
import { DUMP_COLUMN_NAMES, type DumpColumns, type TableDescriptor } from './descriptor.js';

/** In the column order of platform-plugin-aspects' `TagSerializer`. */
export interface TagRow extends DumpColumns {
  id: number;
  taxonomy: number;
  parent: number;
  value: string;
  external_id: string;
  lineage: string;
}

/** Tag.parent is null for a root tag, which Aspects' CSV insert stores as 0 in the Int32 column. */
export const tag: TableDescriptor<Pick<CourseTags, 'tags'>, TagRow> = {
  table: 'tag',
  columns: ['id', 'taxonomy', 'parent', 'value', 'external_id', 'lineage', ...DUMP_COLUMN_NAMES],
  rows: ({ tags }, stamp) =>
    tags.map((t) => ({
      id: t.id,
      taxonomy: t.taxonomyId,
      parent: t.parentId ?? 0,
      value: t.value,
      external_id: t.externalId ?? '',
      lineage: pythonJsonDumps(t.lineage),
      ...stamp,
    })),
};
