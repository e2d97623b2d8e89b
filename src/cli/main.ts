#!/usr/bin/env node
/**
 * The executable: runs the command line and turns its outcome into the exit code (2 for usage and
 * configuration).
 */
import { CommanderError } from 'commander';
import { ConfigError } from '../app/config.js';
import { buildProgram } from './program.js';

/** Exit codes: 0 ok, 1 failure, 2 usage or configuration error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof ConfigError) {
      process.stderr.write(`course-sink: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`course-sink: ${describe(err)}\n`);
    return EXIT.failure;
  }
}

/** The message and its causes, one per line; the stack only when LOG_LEVEL asks for detail. */
function describe(err: unknown): string {
  const verbose = process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace';
  const lines: string[] = [];
  let previous: string | undefined;
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; depth++) {
    const text = e instanceof Error ? (verbose ? (e.stack ?? e.message) : e.message) : String(e);
    // Wrappers often repeat their cause's message; say each thing once.
    if (previous === undefined || !previous.includes(text.trim()))
      lines.push(depth === 0 ? text : `  caused by: ${text}`);
    previous = text;
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join('\n');
}

// Exit explicitly: client libraries may keep sockets open after a one-shot command is done.
void main(process.argv)
  .then(async (code) => {
    // Writes to a pipe are asynchronous: exiting before they are handed over would cut long outputs short.
    await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', done))));
    return code;
  })
  .then((code) => process.exit(code));
