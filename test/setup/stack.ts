import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stackScript = path.join(repoRoot, 'scripts/stack');
const stackDir = process.env.STACK_DIR ?? path.join(repoRoot, '.stack');

// The first run installs packages and fetches server artifacts, which can take many minutes.
const upTimeoutMs = 30 * 60_000;

async function servicesDown(): Promise<string[]> {
  const { stdout } = await run(stackScript, ['status'], { cwd: repoRoot });
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([name, state]) => name && state === 'down')
    .map(([name]) => name as string);
}

// Several test runs may start at once; a lock of their own keeps two of them from starting the same
// servers (scripts/stack checks readiness before starting, but not atomically). --close keeps the
// servers started under the lock from inheriting it, which would hold it for as long as they run.
function stackUp(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['--close', path.join(stackDir, '.setup.lock'), stackScript, 'up'], {
      cwd: repoRoot,
      stdio: 'inherit',
      timeout: upTimeoutMs,
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `scripts/stack up failed (${signal ?? `exit ${code}`}); read the output above and ` +
              `${stackDir}/<service>/server.log, fix the service, then run the tests again`,
          ),
        );
    });
  });
}

async function stackDown(services: string[]): Promise<void> {
  await run(stackScript, ['down', ...services], { cwd: repoRoot });
}

/** Parses the `export NAME=value` lines of `scripts/stack env`, unquoting simple quoted values. */
function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, name, raw] = match as unknown as [string, string, string];
    env[name] = /^(['"]).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
  }
  return env;
}

export default async function setup(): Promise<() => Promise<void>> {
  const down = await servicesDown();
  if (down.length > 0) {
    console.log(`[stack] not running: ${down.join(', ')}; starting the local stack`);
    await mkdir(stackDir, { recursive: true });
    await stackUp();
  }

  const { stdout } = await run(stackScript, ['env'], { cwd: repoRoot });
  const env = parseExports(stdout);
  Object.assign(process.env, env);
  await mkdir(stackDir, { recursive: true });
  await writeFile(path.join(stackDir, 'env.json'), `${JSON.stringify(env, null, 2)}\n`);

  return async () => {
    // Locally the servers stay up so the next run is fast; CI stops only what this run started.
    if (process.env.CI && down.length > 0) await stackDown(down);
  };
}
