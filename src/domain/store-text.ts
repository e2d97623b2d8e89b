/**
 * Text as the stores can hold it: the one rule for characters a store cannot take.
 *
 * - A lone UTF-16 surrogate has no UTF-8 encoding, so no store can hold it (ClickHouse, Postgres and the
 *   archive are all UTF-8); it becomes U+FFFD, which is what every UTF-8 encoder writes for it anyway.
 * - Postgres refuses NUL (U+0000) in `text` and in `jsonb` strings; it also becomes U+FFFD rather than
 *   being dropped, so "A\0B" does not silently become "AB" (two different names could then collide) and
 *   a reader can see that the stored name was altered.
 *
 * Only what is written is changed: the outline and the export hash are computed from the original text.
 */
export const REPLACEMENT_CHARACTER = '\uFFFD';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LONE_SURROGATE_OR_NUL =
  // eslint-disable-next-line no-control-regex -- NUL is the very character Postgres refuses
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;
// Tested first because almost every string is clean and a failed test allocates nothing.
const SUSPECT = /[\uD800-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- as above
const SUSPECT_FOR_POSTGRES = /[\uD800-\uDFFF\u0000]/;

/** Text any UTF-8 store can hold: lone surrogates replaced by U+FFFD. */
export function utf8StoreText(text: string): string {
  return SUSPECT.test(text) ? text.replace(LONE_SURROGATE, REPLACEMENT_CHARACTER) : text;
}

/** Text Postgres can hold in `text` and `jsonb`: lone surrogates and NUL replaced by U+FFFD. */
export function postgresStoreText(text: string): string {
  return SUSPECT_FOR_POSTGRES.test(text) ? text.replace(LONE_SURROGATE_OR_NUL, REPLACEMENT_CHARACTER) : text;
}

/** `postgresStoreText` as a nullable column value. */
export function postgresStoreTextOrNull(text: string | null): string | null {
  return text === null ? null : postgresStoreText(text);
}

/** A value as JSON text Postgres accepts as `jsonb`: every string in it (keys included) made storable. */
export function postgresJsonText(value: unknown): string {
  return JSON.stringify(value, (_key: string, v: unknown) => {
    if (typeof v === 'string') return postgresStoreText(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.some(([k]) => SUSPECT_FOR_POSTGRES.test(k)))
        return Object.fromEntries(entries.map(([k, inner]) => [postgresStoreText(k), inner]));
    }
    return v;
  });
}
