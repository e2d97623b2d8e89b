/**
 * JSON text byte-for-byte as Python's `json.dumps(value)` writes it with default arguments, which is how
 * Aspects serializes `xblock_data_json` and `course_data_json`: `", "` and `": "` separators, keys in
 * insertion order, and `ensure_ascii=True` (everything outside printable ASCII becomes `\uXXXX`,
 * lowercase hex, astral characters as surrogate pairs).
 */
export type PyJson = string | number | boolean | null | PyFloat | PyJson[] | { [key: string]: PyJson };

/** A Python float, which json.dumps writes with a fraction even when integral (`float(1)` → `1.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export function pythonJsonDumps(value: PyJson): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return pythonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pythonNumber(value);
  if (value instanceof PyFloat) return pythonFloat(value.value);
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

/** Numbers that are Python ints in Aspects' documents (counters, flags, limits). */
function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot write ${n} as JSON`);
  return String(n);
}

/**
 * Python's float repr: the shortest round-trip digits, as JS prints them, but with `.0` on integral values
 * and scientific notation below 1e-4 and from 1e16, where JS switches at 1e-6 and 1e21.
 */
function pythonFloat(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot write ${n} as JSON`);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exponent = '0'] = n.toExponential().split('e');
    const exp = Number(exponent);
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return Number.isInteger(n) ? `${n.toFixed(1)}` : String(n);
}
