/**
 * Spells datetimes exactly as Aspects' rows carry them. They are Strings in ClickHouse and readers take
 * `max()` of them, so the exact characters matter:
 *   - Python `str(datetime)` (course_start, course_end): `2020-01-01 00:00:00+00:00`, `.ffffff` only when non-zero;
 *   - DRF's ISO-8601 (enrollment_*): `2024-01-01T00:00:00Z`, `.ffffff` only when non-zero;
 *   - time_last_dumped: Python `str(timezone.now())`, always written with 6 fractional digits here.
 */

import { PermanentError } from '../../errors.js';

export { parseInstant, type Instant } from '../../domain/datetime.js';
import type { Instant } from '../../domain/datetime.js';

function datePart(i: Instant): { date: string; time: string } {
  const iso = new Date(i.seconds * 1000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
}

const micros6 = (i: Instant) => String(i.micros).padStart(6, '0');

/** Python `str(aware_datetime)` in UTC. */
export function pythonStr(i: Instant): string {
  const { date, time } = datePart(i);
  return `${date} ${time}${i.micros ? `.${micros6(i)}` : ''}+00:00`;
}

/** Python `aware_datetime.astimezone(UTC).isoformat()`: a `T`, and `.ffffff` only when non-zero. */
export function pythonIsoformat(i: Instant): string {
  const { date, time } = datePart(i);
  return `${date}T${time}${i.micros ? `.${micros6(i)}` : ''}+00:00`;
}

/** DRF DateTimeField output in UTC (`isoformat()` with `+00:00` turned into `Z`). */
export function drfIso(i: Instant): string {
  const { date, time } = datePart(i);
  return `${date}T${time}${i.micros ? `.${micros6(i)}` : ''}Z`;
}

/** DRF's spelling with the fraction always present, so that string order is time order. */
export function drfIsoFixed(i: Instant): string {
  const { date, time } = datePart(i);
  return `${date}T${time}.${micros6(i)}Z`;
}

/**
 * Aspects' time_last_dumped, `YYYY-MM-DD HH:MM:SS.ffffff+00:00`, always with six digits (Python drops
 * them when zero, which breaks the plugin's own `strptime`). `microsExtra` (0..999) adds the precision
 * a JS Date lacks.
 */
export function formatDumpTime(date: Date, microsExtra = 0): string {
  if (!Number.isInteger(microsExtra) || microsExtra < 0 || microsExtra > 999) {
    throw new RangeError(`microsExtra must be an integer in 0..999, got ${microsExtra}`);
  }
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  const i = { seconds, micros: (ms - seconds * 1000) * 1000 + microsExtra };
  const { date: d, time } = datePart(i);
  return `${d} ${time}.${micros6(i)}+00:00`;
}

const DUMP_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;

export function assertDumpTime(text: string): string {
  if (!DUMP_TIME.test(text)) {
    throw new PermanentError(`time_last_dumped "${text}" is not YYYY-MM-DD HH:MM:SS.ffffff+00:00`);
  }
  return text;
}
