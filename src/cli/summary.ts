/** Human-readable renderings of a sync and its export for the terminal; logs stay JSON on stderr. */
import path from 'node:path';
import type { Outline } from '../outline/types.js';
import { formatDumpTime } from '../sinks/clickhouse/index.js';
import type { LatestExport } from '../sinks/exports/index.js';
import type { SyncResult } from '../sync/course-sync.js';

const INDENT = ['', '  ', '    ', '      ', '        '];

/** The outline as Aspects numbers it, one line per section, subsection and unit (leaves are counted). */
export function outlineTable(outline: Outline): string {
  const lines = ['  S:s:u   type        name'];
  const leaves = new Map<string, number>();
  for (const row of outline.rows) {
    if (row.depth > 3 && row.parent) leaves.set(row.parent, (leaves.get(row.parent) ?? 0) + 1);
  }
  for (const row of outline.rows) {
    if (row.detached || row.depth === 0 || row.depth > 3) continue;
    const number = `${row.section}:${row.subsection}:${row.unit}`;
    const count = leaves.get(row.location);
    const suffix = count ? `  (${count} block${count === 1 ? '' : 's'})` : '';
    lines.push(
      `  ${number.padEnd(8)}${row.blockType.padEnd(12)}${INDENT[row.depth - 1] ?? ''}${row.displayName}${suffix}`,
    );
  }
  return lines.join('\n');
}

export function syncSummary(result: SyncResult): string {
  const lines = [`course ${result.courseKey}`];
  if (result.dump)
    lines.push(`  dump        ${result.dump.dumpId} at ${formatDumpTime(result.dump.dumpedAt)}`);
  for (const [table, rows] of Object.entries(result.rowsByTable))
    lines.push(`  clickhouse  ${table}: ${rows} rows`);
  lines.push(`  postgres    course run ${result.catalog}`);
  if (result.export) {
    const detail =
      result.export.status === 'skipped' ? result.export.reason : result.export.inputsHash.slice(0, 16);
    lines.push(`  export      ${result.export.status} (${detail})`);
  }
  return lines.join('\n');
}

export function describeExport(courseKey: string, current: LatestExport): string {
  const where = current.bucket.startsWith('file:')
    ? path.join(current.bucket.slice('file:'.length), current.key)
    : `s3://${current.bucket}/${current.key}`;
  return [
    `export of ${courseKey}`,
    `  uid           ${current.uid}`,
    `  archive       ${where} (${current.size} bytes)`,
    `  inputs hash   ${current.inputsHash}`,
    `  sha512        ${current.outputSha512}`,
  ].join('\n');
}
