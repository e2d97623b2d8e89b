/**
 * JSON text byte-for-byte as Python's `json.dumps(value)` writes it with default arguments, which is how
 * Aspects serializes `xblock_data_json` and `course_data_json`: `", "` and `": "` separators, keys in
 * insertion order, and `ensure_ascii=True` (everything outside printable ASCII becomes `\uXXXX`,
 * lowercase hex, astral characters as surrogate pairs).
 */
export type PyJson = string | number | boolean | null | PyJson[] | { [key: string]: PyJson };

export function pythonJsonDumps(value: PyJson): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return pythonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pythonNumber(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pythonString(k)}: ${pythonJsonDumps(v)}`)
    .join(', ')}}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Python's ESCAPE_ASCII is `([\\"]|[^\ -~])`: every UTF-16 unit outside space..tilde is escaped. */
function pythonString(s: string): string {
  return `"${s.replace(/[\\"]|[^ -~]/g, (ch) => SHORT_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** Python writes integral floats as `1.0`, but every number Aspects puts in these documents is an int or a grade. */
function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot write ${n} as JSON`);
  return String(n);
}
