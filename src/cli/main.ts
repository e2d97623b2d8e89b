#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../app/config.js';

/** Exit codes: 0 ok, 1 failure, 2 usage or configuration error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command('course-sink')
    .description(
      'Bridges Open edX course publishing to Aspects ClickHouse tables, a Postgres catalog and S3 export archives.',
    )
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`course-sink: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`course-sink: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failure;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
