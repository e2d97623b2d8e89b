/**
 * The `course_blocks` table: a row for each block of the outline, as platform-plugin-aspects' XBlockSink
 * writes it.
 */

import { CourseKey } from '../../../domain/keys.js';
import { utf8StoreText } from '../../../domain/store-text.js';
import type { OutlineRow } from '../../../outline/types.js';
import { assertDumpTime, parseInstant, pythonStr } from '../datetime.js';
import { pythonJsonDumps } from '../python-json.js';
import { DUMP_COLUMN_NAMES, type CourseTableDescriptor, type DumpColumns } from './descriptor.js';

/**
 * `course_blocks`, in Aspects' column order. `edited_on` is Aspects' `str(block.edit_info.edited_on)` when the
 * LMS exposes `edited_on` (COURSE_BLOCKS_API_EXTRA_FIELDS), else '' — what the plugin writes for a block
 * without it; no current model reads it.
 */
export interface CourseBlockRow extends DumpColumns {
  org: string;
  course_key: string;
  location: string;
  display_name: string;
  xblock_data_json: string;
  order: number;
  edited_on: string;
}

/** A row for each outline row, in outline order; all of a dump's go in one INSERT (see writer.ts). */
export const courseBlocks: CourseTableDescriptor<CourseBlockRow> = {
  table: 'course_blocks',
  columns: [
    'org',
    'course_key',
    'location',
    'display_name',
    'xblock_data_json',
    'order',
    'edited_on',
    ...DUMP_COLUMN_NAMES,
  ],
  keyedByOrg: true,
  *rows({ snapshot, outline }, stamp) {
    assertDumpTime(stamp.time_last_dumped);
    const key = CourseKey.parse(outline.courseKey);
    const xblockData = xblockDataWriter(key, snapshot.tags?.idsByObject ?? {});
    for (const row of outline.rows) {
      yield {
        org: key.org,
        course_key: outline.courseKey,
        location: row.location,
        display_name: utf8StoreText(row.displayName),
        xblock_data_json: xblockData(row),
        order: row.order,
        edited_on: row.editedOn === undefined ? '' : pythonStr(parseInstant(row.editedOn)),
        dump_id: stamp.dump_id,
        time_last_dumped: stamp.time_last_dumped,
      };
    }
  },
};

/** `xblock_data_json` as Aspects writes it: `json.dumps` of these keys, in this order. */
export function xblockDataJson(key: CourseKey, row: OutlineRow, tags: readonly number[] = []): string {
  return pythonJsonDumps({
    course: key.course,
    run: key.run ?? '',
    block_type: row.blockType,
    detached: row.detached ? 1 : 0,
    graded: row.graded ? 1 : 0,
    completion_mode: row.completionMode,
    section: row.section,
    subsection: row.subsection,
    unit: row.unit,
    tags: [...tags],
  });
}

/**
 * The same text as {@link xblockDataJson}, built from a per-course prefix and the few distinct block types
 * and completion modes, because this runs once per block of every course (100k-block courses exist).
 */
function xblockDataWriter(
  key: CourseKey,
  tags: Readonly<Record<string, readonly number[]>>,
): (row: OutlineRow) => string {
  const prefix = `{"course": ${pythonJsonDumps(key.course)}, "run": ${pythonJsonDumps(key.run ?? '')}, "block_type": `;
  const strings = new Map<string, string>();
  const str = (value: string) => {
    let text = strings.get(value);
    if (text === undefined) strings.set(value, (text = pythonJsonDumps(value)));
    return text;
  };
  return (row) =>
    `${prefix}${str(row.blockType)}, "detached": ${row.detached ? 1 : 0}, "graded": ${row.graded ? 1 : 0}, ` +
    `"completion_mode": ${str(row.completionMode)}, "section": ${row.section}, "subsection": ${row.subsection}, ` +
    `"unit": ${row.unit}, "tags": ${tagList(tags[row.location])}}`;
}

/** A list of tag ids as json.dumps writes it. */
function tagList(ids: readonly number[] | undefined): string {
  return ids && ids.length > 0 ? `[${ids.join(', ')}]` : '[]';
}
