import { randomUUID } from 'node:crypto';

/**
 * One dump of one course: every ClickHouse row a sync writes for the course carries its id and its time,
 * which is how readers (aspects-dbt) tell a whole dump from an older one. Made once per sync, before the
 * first try, and handed unchanged to every retry: a retry with a new id or time would make a second
 * visible dump. The domain keeps the instant, not a text: how it is spelled (Aspects'
 * `YYYY-MM-DD HH:MM:SS.ffffff+00:00`) is the ClickHouse sink's business, which spells it once per write.
 */
export interface Dump {
  readonly dumpId: string;
  readonly dumpedAt: Date;
}

/** A new dump at `at`, with a fresh id; the instant is copied, so a later change to `at` cannot move it. */
export function newDump(at: Date = new Date()): Dump {
  return Object.freeze({ dumpId: randomUUID(), dumpedAt: new Date(at.getTime()) });
}
