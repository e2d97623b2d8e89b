/** The command line's shape: every command registered on one commander program with the package's version. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { backfillCommand } from './commands/backfill.js';
import { consumeCommand } from './commands/consume.js';
import { demoCommand } from './commands/demo.js';
import { dlqCommand } from './commands/dlq.js';
import { exportCommand, exportWorkerCommand } from './commands/export.js';
import { migrateCommand } from './commands/migrate.js';
import { queryCommand } from './commands/query.js';
import { syncCommand } from './commands/sync.js';

export function buildProgram(): Command {
  const program = new Command('course-sink')
    .description(
      'Bridges Open edX course publishing to Aspects ClickHouse tables, a Postgres catalog and S3 export archives.\n' +
        'Configuration comes from the environment (see README); stores without a URL run embedded under DATA_DIR.',
    )
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError();
  for (const register of [
    consumeCommand,
    migrateCommand,
    syncCommand,
    backfillCommand,
    dlqCommand,
    exportCommand,
    exportWorkerCommand,
    demoCommand,
    queryCommand,
  ]) {
    register(program);
  }
  // Subcommands inherit exitOverride so usage errors reach main() and exit with 2.
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** The version is package.json's, read where the sources and the built `dist/` both find it. */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
