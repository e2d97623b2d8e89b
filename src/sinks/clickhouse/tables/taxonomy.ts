/** The `taxonomy` table: a row for each of Studio's content-tagging taxonomies (written by tag-writer.ts). */

import type { CourseTags } from '../../../openedx/api-types.js';
import { DUMP_COLUMN_NAMES, type DumpColumns, type TableDescriptor } from './descriptor.js';

/** In the column order of platform-plugin-aspects' `TaxonomySerializer`. */
export interface TaxonomyRow extends DumpColumns {
  id: number;
  name: string;
}

export const taxonomy: TableDescriptor<Pick<CourseTags, 'taxonomies'>, TaxonomyRow> = {
  table: 'taxonomy',
  columns: ['id', 'name', ...DUMP_COLUMN_NAMES],
  rows: ({ taxonomies }, stamp) => taxonomies.map((t) => ({ id: t.id, name: t.name, ...stamp })),
};
