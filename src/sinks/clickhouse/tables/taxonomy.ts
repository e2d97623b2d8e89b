import type { CourseTags } from '../../../openedx/api-types.js';
import { DUMP_COLUMN_NAMES, type DumpColumns, type TableDescriptor } from './descriptor.js';

/** Aspects' `taxonomy` table (platform-plugin-aspects `TaxonomySerializer`): one row for each of Studio's taxonomies. */
export interface TaxonomyRow extends DumpColumns {
  id: number;
  name: string;
}

export const taxonomy: TableDescriptor<Pick<CourseTags, 'taxonomies'>, TaxonomyRow> = {
  table: 'taxonomy',
  columns: ['id', 'name', ...DUMP_COLUMN_NAMES],
  rows: ({ taxonomies }, stamp) => taxonomies.map((t) => ({ id: t.id, name: t.name, ...stamp })),
};
