/**
 * The `object_tag` table: a row for each tag applied to a course or one of its blocks (written by
 * tag-writer.ts).
 */

import { createHash } from 'node:crypto';
import type { CourseTags } from '../../../openedx/api-types.js';
import { pythonJsonDumps } from '../python-json.js';
import { DUMP_COLUMN_NAMES, type DumpColumns, type TableDescriptor } from './descriptor.js';

/** In the column order of platform-plugin-aspects' `ObjectTagSerializer`. */
export interface ObjectTagRow extends DumpColumns {
  id: number;
  object_id: string;
  taxonomy: number;
  tag: number;
  _value: string;
  _export_id: string;
  lineage: string;
}

export const objectTag: TableDescriptor<Pick<CourseTags, 'objectTags'>, ObjectTagRow> = {
  table: 'object_tag',
  columns: ['id', 'object_id', 'taxonomy', 'tag', '_value', '_export_id', 'lineage', ...DUMP_COLUMN_NAMES],
  rows: ({ objectTags }, stamp) =>
    objectTags.map((o) => ({
      id: objectTagId(o.objectId, o.taxonomyId, o.tagId),
      object_id: o.objectId,
      taxonomy: o.taxonomyId,
      tag: o.tagId,
      _value: o.value,
      _export_id: o.exportId,
      lineage: pythonJsonDumps(o.lineage),
      ...stamp,
    })),
};

/**
 * No API gives ObjectTag's primary key, so it is derived from what identifies an applied tag (object,
 * taxonomy, tag): the first 31 bits of their sha256, the same on every replay.
 */
export function objectTagId(objectId: string, taxonomyId: number, tagId: number): number {
  return (
    createHash('sha256').update(`${objectId}\u0000${taxonomyId}\u0000${tagId}`).digest().readUInt32BE(0) >>> 1
  );
}
