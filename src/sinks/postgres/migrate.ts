import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PermanentError } from '../../errors.js';
import type { SqlClient } from './sql-client.js';

/** `migrations/postgres` at the package root, the same distance from `src/sinks/postgres` and `dist/sinks/postgres`. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../../migrations/postgres/', import.meta.url),
);

/** Any fixed number works; it only has to be the same in every course-sink process sharing a database. */
const MIGRATION_LOCK_KEY = 7_302_115_904;

const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

const CREATE_LEDGER = `
CREATE TABLE IF NOT EXISTS course_sink_migrations (
  filename text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export interface MigrationFile {
  filename: string;
  checksum: string;
  text: string;
}

export interface MigrateResult {
  /** Files applied by this call, in order. */
  applied: string[];
  /** Files that were already applied, by this process or another. */
  alreadyApplied: string[];
}

/** The numbered SQL files of a migrations directory in order, each with the sha256 of its bytes. */
export async function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const seen = new Map<string, string>();
  const files: MigrationFile[] = [];
  for (const filename of names) {
    const number = FILE_NAME.exec(filename)?.[1];
    if (!number) {
      throw new PermanentError(
        `migration ${path.join(dir, filename)} is misnamed: expected NNNN_lowercase_words.sql`,
      );
    }
    const clash = seen.get(number);
    if (clash)
      throw new PermanentError(
        `migrations ${clash} and ${filename} in ${dir} share the number ${number}; renumber one`,
      );
    seen.set(number, filename);
    const bytes = await readFile(path.join(dir, filename));
    files.push({
      filename,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      text: bytes.toString('utf8'),
    });
  }
  return files;
}

/**
 * Applies the pending migration files in order, each in its own transaction together with its ledger row.
 * Every step first takes a transaction-scoped advisory lock, so pods starting together apply each file
 * once: the others wait, then find it in the ledger. A ledger row whose file now has different bytes is
 * an error naming the file, because the database no longer matches what the file says. Ledger rows with
 * no file (a newer version already ran here) are left alone so an older pod can still start.
 */
export async function migrate(sql: SqlClient, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrateResult> {
  const files = await readMigrations(dir);
  const applied: string[] = [];
  for (;;) {
    const next = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      await tx.query(CREATE_LEDGER);
      const { rows } = await tx.query<{ filename: string; checksum: string }>(
        'SELECT filename, checksum FROM course_sink_migrations',
      );
      const ledger = new Map(rows.map((r) => [r.filename, r.checksum]));
      for (const f of files) {
        const recorded = ledger.get(f.filename);
        if (recorded !== undefined && recorded !== f.checksum) {
          throw new PermanentError(
            `migration ${f.filename} was changed after it was applied (recorded sha256 ${recorded}, file now ${f.checksum}); ` +
              'restore the file and put the change in a new numbered migration',
          );
        }
      }
      const pending = files.find((f) => !ledger.has(f.filename));
      if (!pending) return undefined;
      try {
        await tx.query(pending.text);
      } catch (err) {
        const e = err as Error;
        e.message = `migration ${pending.filename}: ${e.message}`;
        throw err;
      }
      await tx.query('INSERT INTO course_sink_migrations (filename, checksum) VALUES ($1, $2)', [
        pending.filename,
        pending.checksum,
      ]);
      return pending.filename;
    });
    if (next === undefined) {
      return { applied, alreadyApplied: files.map((f) => f.filename).filter((n) => !applied.includes(n)) };
    }
    applied.push(next);
  }
}
