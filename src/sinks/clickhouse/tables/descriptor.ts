import type { Dump } from '../../../domain/dump.js';
import { formatDumpTime } from '../datetime.js';

/**
 * The two columns every row of one dump carries, as Aspects spells them. Spelled once per write of a dump
 * (not per row), and the same on every retry, since the dump's instant is.
 */
export interface DumpColumns {
  dump_id: string;
  /** `YYYY-MM-DD HH:MM:SS.ffffff+00:00` */
  time_last_dumped: string;
}

export function dumpColumns(dump: Dump): DumpColumns {
  return { dump_id: dump.dumpId, time_last_dumped: formatDumpTime(dump.dumpedAt) };
}
