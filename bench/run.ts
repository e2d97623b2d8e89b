import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { baselineOf, figureOf, verdict, type BaselineFile, type Verdict } from './baseline.js';
import type { BenchCase, CaseMeasurement } from './case.js';
import { ALL_CASES } from './cases/index.js';
import { formatFigure, formatTable } from './table.js';

/**
 * `npm run bench [-- --only <prefix>[,<prefix>…]] [--check] [--save-baselines] [--list]`
 *
 * Runs each case in a child process with its own temporary DATA_DIR (embedded chdb and PGlite, no servers),
 * prints a table against bench/baselines.json and writes bench/results.json. Only `--check` turns a
 * regression into exit code 1, so a slow laptop never breaks anyone's build by accident.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BASELINES = path.join(HERE, 'baselines.json');
const RESULTS = path.join(HERE, 'results.json');
const CHILD = path.join(HERE, 'child.ts');
const CASE_TIMEOUT_MS = 120_000;
const TOLERANCE = 0.5;
const MEMORY_SLACK_MB = 32;

type ChildReply = { ok: true; measurement: CaseMeasurement } | { ok: false; error: string };

interface CaseOutcome {
  bench: BenchCase;
  measurement?: CaseMeasurement;
  error?: string;
  verdict: Verdict;
}

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    check: { type: 'boolean', default: false },
    'save-baselines': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});

function selectCases(only: string[] | undefined): BenchCase[] {
  const prefixes = (only ?? []).flatMap((o) => o.split(',')).filter((p) => p !== '');
  if (prefixes.length === 0) return [...ALL_CASES];
  const selected = ALL_CASES.filter((c) => prefixes.some((p) => c.name.startsWith(p)));
  if (selected.length === 0) {
    throw new Error(
      `--only ${prefixes.join(',')} matches no case; the cases are: ${ALL_CASES.map((c) => c.name).join(', ')}`,
    );
  }
  return selected;
}

let running: ChildProcess | undefined;

/** One case in a fresh process, so peak memory and loaded engines belong to that case alone. */
function runCase(bench: BenchCase, dataDir: string): Promise<CaseMeasurement> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [bench.name, dataDir], {
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    running = child;
    let reply: ChildReply | undefined;
    const timer = setTimeout(() => {
      reply = { ok: false, error: `timed out after ${CASE_TIMEOUT_MS / 1000} s` };
      child.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    child.on('message', (message) => {
      reply ??= message as ChildReply;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      if (reply?.ok) resolve(reply.measurement);
      else
        reject(
          new Error(reply?.error ?? `the case process exited (${signal ?? `code ${code}`}) without a result`),
        );
    });
  });
}

async function readBaselines(): Promise<BaselineFile | undefined> {
  try {
    return JSON.parse(await readFile(BASELINES, 'utf8')) as BaselineFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`bench/baselines.json is not valid JSON: ${(err as Error).message}`);
  }
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${process.platform}`;
}

function printTable(outcomes: CaseOutcome[], baselines: BaselineFile | undefined): void {
  const rows = outcomes.map(({ bench, measurement: m, error, verdict: v }) => {
    if (!m) return [bench.name, '-', '-', '-', '-', `error: ${error?.split('\n')[0] ?? ''}`];
    const { value, unit } = figureOf(m);
    const base = baselines?.cases[bench.name];
    return [
      bench.name,
      formatFigure(value, unit),
      m.report === 'rate' ? formatFigure(m.medianMs, 'ms') : m.rate ? formatFigure(m.rate, m.unit ?? '') : '',
      `${m.peakRssDeltaMb.toFixed(0)} MiB`,
      base ? formatFigure(base.figure, base.unit) : '-',
      v.text,
    ];
  });
  console.log(
    formatTable(
      ['benchmark', 'figure', 'also', 'peak RSS Δ', 'baseline', 'verdict'],
      rows,
      new Set([1, 2, 3, 4]),
    ),
  );
  const notes = outcomes.filter((o) => o.measurement?.note);
  if (notes.length > 0) {
    console.log('');
    for (const o of notes) console.log(`  ${o.bench.name}: ${o.measurement!.note}`);
  }
}

async function saveBaselines(outcomes: CaseOutcome[], previous: BaselineFile | undefined): Promise<void> {
  const cases = { ...previous?.cases };
  for (const o of outcomes) if (o.measurement) cases[o.bench.name] = baselineOf(o.measurement);
  const file: BaselineFile = {
    machine: machine(),
    recordedAt: new Date().toISOString().slice(0, 10),
    tolerance: previous?.tolerance ?? TOLERANCE,
    memorySlackMb: previous?.memorySlackMb ?? MEMORY_SLACK_MB,
    cases: Object.fromEntries(ALL_CASES.filter((c) => cases[c.name]).map((c) => [c.name, cases[c.name]!])),
  };
  await writeFile(BASELINES, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`\nbaselines written to ${path.relative(process.cwd(), BASELINES)}`);
}

async function main(): Promise<number> {
  const cases = selectCases(args.only);
  if (args.list) {
    for (const c of cases) console.log(`${c.name.padEnd(28)} ${c.description}`);
    return 0;
  }
  const baselines = await readBaselines();
  const root = await mkdtemp(path.join(os.tmpdir(), 'course-sink-bench-'));
  const started = performance.now();
  const outcomes: CaseOutcome[] = [];
  console.log(`course-sink benchmarks on ${machine()}\n`);
  const load = os.loadavg()[0] ?? 0;
  if (load > os.cpus().length * 0.5) {
    console.log(
      `note: load average ${load.toFixed(1)} on ${os.cpus().length} CPUs before starting; other work competes ` +
        'with the benchmarks, so expect slower, noisier figures\n',
    );
  }
  try {
    for (const bench of cases) {
      process.stderr.write(`  ${bench.name} …`);
      const caseStarted = performance.now();
      try {
        const measurement = await runCase(bench, path.join(root, bench.name));
        outcomes.push({ bench, measurement, verdict: verdict(measurement, baselines) });
      } catch (err) {
        const error = (err as Error).message;
        outcomes.push({ bench, error, verdict: { ok: false, text: 'error' } });
      }
      process.stderr.write(` ${((performance.now() - caseStarted) / 1000).toFixed(1)} s\n`);
      await rm(path.join(root, bench.name), { recursive: true, force: true });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  console.log('');
  printTable(outcomes, baselines);
  for (const o of outcomes.filter((x) => x.error)) console.error(`\n${o.bench.name} failed:\n${o.error}`);

  const totalS = (performance.now() - started) / 1000;
  await writeFile(
    RESULTS,
    `${JSON.stringify(
      {
        machine: machine(),
        finishedAt: new Date().toISOString(),
        loadAverageAtStart: Number(load.toFixed(2)),
        totalSeconds: Math.round(totalS),
        baselinesFrom: baselines?.machine ?? null,
        results: outcomes.map(({ bench, measurement, error, verdict: v }) => ({
          description: bench.description,
          ...(measurement ? { ...measurement, figure: figureOf(measurement) } : { name: bench.name, error }),
          baseline: baselines?.cases[bench.name] ?? null,
          verdict: v.text,
          ok: v.ok,
        })),
      },
      null,
      2,
    )}\n`,
  );
  console.log(
    `\n${outcomes.length} case(s) in ${totalS.toFixed(0)} s; results in ${path.relative(process.cwd(), RESULTS)}`,
  );
  if (args['save-baselines']) await saveBaselines(outcomes, baselines);

  const failed = outcomes.filter((o) => !o.verdict.ok);
  if (failed.length > 0 && args.check) {
    console.error(
      `\n--check: ${failed.length} case(s) failed: ${failed.map((o) => o.bench.name).join(', ')}`,
    );
    return 1;
  }
  return 0;
}

process.on('SIGINT', () => {
  running?.kill('SIGKILL');
  process.exit(130);
});

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
