import type { ExportFiles } from './source.js';
import { OlxReadError } from './errors.js';

/** Block settings from `policies/<run>/policy.json`, keyed `<type>/<url_name>`; they override the OLX attributes. */
export type Policy = Record<string, Record<string, unknown>>;

export async function readPolicy(files: ExportFiles, run: string): Promise<Policy> {
  const file = `policies/${run}/policy.json`;
  const text = await files.read(file);
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new OlxReadError(`${files.origin}: ${file} is not valid JSON`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OlxReadError(`${files.origin}: ${file} must hold an object keyed "<type>/<url_name>"`);
  }
  return parsed as Policy;
}

/** A settings value as a string: XML attributes are strings already, policy values may be JSON. */
export function settingString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** XBlock Boolean fields accept true/false in any case, from XML or JSON. */
export function settingBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}
