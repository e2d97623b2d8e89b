import { PermanentError } from '../errors.js';

/**
 * An instant as the platform writes it: ISO 8601 with up to microseconds (a JS Date keeps milliseconds), read
 * as UTC when it carries no offset, as Django's aware datetimes are in UTC. The one parser of datetimes every
 * layer uses.
 */
export interface Instant {
  /** Whole seconds since the epoch, UTC. */
  seconds: number;
  /** 0..999999 */
  micros: number;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses an ISO-8601 datetime keeping microseconds (Date keeps only milliseconds); no zone means UTC. A day
 * or time that does not exist (February 30th, 24:00, an offset of 60 minutes) is refused, not rolled over.
 * `requireTime` refuses a date alone, for fields that always carry a time (the bus's event times).
 */
export function parseInstant(text: string, options: { requireTime?: boolean } = {}): Instant {
  const m = ISO.exec(text.trim());
  if (!m || (options.requireTime && m[4] === undefined))
    throw new PermanentError(`"${text}" is not an ISO-8601 datetime`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  let offsetSeconds = 0;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = Number(digits.slice(2, 4));
    offsetSeconds = sign * (Number(digits.slice(0, 2)) * 3600 + offsetMinutes * 60);
  }
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  const exists =
    check.getUTCFullYear() === Number(y) &&
    check.getUTCMonth() === Number(mo) - 1 &&
    check.getUTCDate() === Number(d) &&
    check.getUTCHours() === Number(h) &&
    check.getUTCMinutes() === Number(mi) &&
    check.getUTCSeconds() === Number(s) &&
    offsetMinutes < 60;
  if (!exists) throw new PermanentError(`"${text}" is not a valid datetime`);
  return { seconds: ms / 1000 - offsetSeconds, micros: Number(frac.padEnd(6, '0').slice(0, 6)) };
}

/** The instant `text` names, or undefined when it names none (for comparisons that skip what they cannot read). */
export function tryParseInstant(text: string | null | undefined): Instant | undefined {
  if (!text) return undefined;
  try {
    return parseInstant(text);
  } catch {
    return undefined;
  }
}

export function instantToDate(i: Instant): Date {
  return new Date(i.seconds * 1000 + Math.floor(i.micros / 1000));
}
