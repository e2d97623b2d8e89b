import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const envFile = path.join(process.env.STACK_DIR ?? path.join(repoRoot, '.stack'), 'env.json');

/**
 * The configuration that points course-sink at the local stack: what the integration project's
 * globalSetup wrote to .stack/env.json, falling back to the environment (e.g. after `eval "$(scripts/stack env)"`).
 */
export function stackEnv(): Record<string, string> {
  if (existsSync(envFile)) return JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** One variable of {@link stackEnv}; throws naming the variable and how to provide it when it is missing. */
export function stackVar(name: string): string {
  const value = stackEnv()[name] ?? process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run integration tests with \`npx vitest run --project integration\` ` +
        `(its globalSetup starts scripts/stack) or \`eval "$(scripts/stack env)"\` first`,
    );
  }
  return value;
}

/**
 * A fresh name for a topic, database, table, stream or bucket, so tests never see each other's data.
 * Lower-case letters, digits and the separator only: valid for Kafka, ClickHouse, Postgres and
 * (with separator '-') S3 bucket names.
 */
export function uniqueName(prefix: string, separator: '_' | '-' = '_'): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, separator)
    .replace(new RegExp(`^\\${separator}+|\\${separator}+$`, 'g'), '');
  const suffix = `${Date.now().toString(36)}${separator}${randomBytes(4).toString('hex')}`;
  const head = clean.slice(0, 63 - suffix.length - 1);
  return head ? `${head}${separator}${suffix}` : suffix;
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What is being waited for, used in the timeout error. */
  what?: string;
}

/**
 * Polls `check` until it returns something other than undefined, null or false, and returns that.
 * A throwing check counts as "not yet"; at the deadline the error names what was awaited and the last failure.
 */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 10_000, intervalMs = 100, what = 'condition' }: WaitForOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined && result !== null && result !== false) return result;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `; last attempt failed: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`, { cause: lastError });
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    );
  }
}
