import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { restoreStack, type Scenario, type ScenarioResult as Result } from './support.js';

/**
 * `npm run chaos [-- --gentle] [name…]`: runs every scenario of chaos/scenarios/ against the real stack
 * (scripts/stack), one line of counts each, and exits 1 when anything was lost, duplicated or stuck.
 * Scenarios that take a shared server down run last; --gentle skips them.
 */

/** A scenario that has not finished by then is stuck. */
const SCENARIO_TIMEOUT_MS = 4 * 60_000;

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const gentle = args.includes('--gentle');
const only = args.filter((a) => !a.startsWith('--'));

async function loadScenarios(): Promise<Scenario[]> {
  const dir = path.join(here, 'scenarios');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { scenario?: Scenario };
    if (!mod.scenario) throw new Error(`chaos/scenarios/${file} exports no \`scenario\``);
    scenarios.push(mod.scenario);
  }
  // Stable: the gentle ones first, then those that stop a shared server, each group in file order.
  return scenarios.sort((a, b) => Number(a.disruptive ?? false) - Number(b.disruptive ?? false));
}

function line(name: string, r: Result): string {
  const drained = r.drainedMs < 0 ? 'STUCK' : `drained in ${r.drainedMs} ms`;
  const leaked = r.leaked === undefined ? '' : `  leaked=${r.leaked}`;
  return (
    `${name.padEnd(22)} sent=${r.sent}  dead-lettered=${r.deadLettered}  skipped=${r.skipped}  ` +
    `lost=${r.lost}  partial=${r.partial}  duplicated=${r.duplicated}${leaked}  ${drained}`
  );
}

async function withTimeout(scenario: Scenario): Promise<Result> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      scenario.run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`did not finish within ${SCENARIO_TIMEOUT_MS / 1000} s`)),
          SCENARIO_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// Whatever ends the run, a shared server a scenario took down comes back first.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err) => {
    console.error(`chaos run aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    restoreStack();
    process.exit(1);
  });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    restoreStack();
    process.exit(1);
  });
}

const scenarios = (await loadScenarios()).filter(
  (s) => (only.length === 0 || only.includes(s.name)) && !(gentle && s.disruptive),
);
let failed = false;
for (const scenario of scenarios) {
  const started = Date.now();
  try {
    const result = await withTimeout(scenario);
    const bad = result.lost > 0 || result.duplicated > 0 || result.drainedMs < 0 || (result.leaked ?? 0) > 0;
    if (bad) failed = true;
    console.log(
      `${line(scenario.name, result)}  (${Math.round((Date.now() - started) / 1000)} s)${bad ? '  FAILED' : ''}`,
    );
  } catch (err) {
    failed = true;
    console.log(`${scenario.name.padEnd(22)} FAILED: ${err instanceof Error ? err.message : String(err)}`);
  }
}
if (scenarios.length === 0) {
  console.log(`no scenario matches ${only.join(', ')}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
