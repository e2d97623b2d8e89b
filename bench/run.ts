import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { baselineOf, figureOf, slowdown, verdict, type BaselineFile, type Verdict } from './baseline.js';
import type { BenchCase, CaseMeasurement } from './case.js';
import { ALL_CASES } from './cases/index.js';
import type { ChildReply } from './child.js';
import {
  meetsTarget,
  targetText,
  type ComparisonCase,
  type ComparisonMeasurement,
  type Side,
} from './comparison.js';
import { COMPARISON_CASES } from './comparisons/index.js';
import { formatFigure, formatTable } from './table.js';

/**
 * `npm run bench [-- --only <prefix>[,<prefix>…]] [--check] [--save-baselines] [--list]`
 *
 * Runs each case in a child process with its own temporary DATA_DIR. The target rows come first: each
 * measures its figure and its baseline side by side in the same run and judges the figure against a product
 * target. The supplementary cases follow, compared with the figures stored in bench/baselines.json. Prints
 * both tables and writes bench/results.json; only `--check` turns a missed target into exit code 1.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BASELINES = path.join(HERE, 'baselines.json');
const RESULTS = path.join(HERE, 'results.json');
const CHILD = path.join(HERE, 'child.ts');
const CASE_TIMEOUT_MS = 300_000;
const TOLERANCE = 0.5;
const MEMORY_SLACK_MB = 32;

interface TargetOutcome {
  comparison: ComparisonCase;
  measurement?: ComparisonMeasurement;
  error?: string;
  /** undefined: the row has no target and only reports. */
  met: boolean | undefined;
}

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
    'backfill-courses': { type: 'string' },
  },
});
// Read by the backfill row in its own process.
if (args['backfill-courses']) process.env.BENCH_BACKFILL_COURSES = args['backfill-courses'];

function select<T extends { name: string }>(all: readonly T[], prefixes: string[]): T[] {
  return prefixes.length === 0 ? [...all] : all.filter((c) => prefixes.some((p) => c.name.startsWith(p)));
}

function selectCases(only: string[] | undefined): { comparisons: ComparisonCase[]; cases: BenchCase[] } {
  const prefixes = (only ?? []).flatMap((o) => o.split(',')).filter((p) => p !== '');
  const comparisons = select(COMPARISON_CASES, prefixes);
  const cases = select(ALL_CASES, prefixes);
  if (comparisons.length + cases.length === 0) {
    const names = [...COMPARISON_CASES, ...ALL_CASES].map((c) => c.name).join(', ');
    throw new Error(`--only ${prefixes.join(',')} matches no case; the cases are: ${names}`);
  }
  return { comparisons, cases };
}

let running: ChildProcess | undefined;

/** One case in a fresh process, so peak memory and loaded engines belong to that case alone. */
function runChild(
  name: string,
  dataDir: string,
  timeoutMs = CASE_TIMEOUT_MS,
): Promise<ChildReply & { ok: true }> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [name, dataDir], {
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    running = child;
    let reply: ChildReply | undefined;
    const timer = setTimeout(() => {
      reply = { ok: false, error: `timed out after ${timeoutMs / 1000} s` };
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (message) => {
      reply ??= message as ChildReply;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      if (reply?.ok) resolve(reply);
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

const side = (s: Side) => s.display ?? formatFigure(s.value, s.unit);
const times = (ratio: number) => `${ratio.toFixed(2)}×`;

function targetVerdict(met: boolean | undefined): string {
  return met === undefined ? 'reported' : met ? 'meets target' : 'misses target';
}

function printTargets(outcomes: TargetOutcome[]): void {
  const rows = outcomes.map(({ comparison: c, measurement: m, error, met }) => {
    if (!m) return [c.name, '-', '-', '-', targetText(c.target, ''), `error: ${error?.split('\n')[0] ?? ''}`];
    return [
      c.name,
      side(m.figure),
      side(m.baseline),
      times(m.ratio),
      targetText(c.target, m.figure.unit),
      targetVerdict(met),
    ];
  });
  console.log(
    formatTable(
      ['target row', 'figure', 'baseline (same run)', 'ratio', 'target', 'verdict'],
      rows,
      new Set([1, 2, 3]),
    ),
  );
  printNotes(outcomes.map((o) => [o.comparison.name, o.measurement?.note]));
}

function printCases(outcomes: CaseOutcome[], baselines: BaselineFile | undefined): void {
  const tolerance = baselines?.tolerance ?? TOLERANCE;
  const rows = outcomes.map(({ bench, measurement: m, error, verdict: v }) => {
    if (!m) return [bench.name, '-', '-', '-', '-', `error: ${error?.split('\n')[0] ?? ''}`, '', ''];
    const { value, unit } = figureOf(m);
    const base = baselines?.cases[bench.name];
    return [
      bench.name,
      formatFigure(value, unit),
      base ? formatFigure(base.figure, base.unit) : '-',
      base ? times(1 + slowdown(m, base)) : '-',
      base ? `≤ ${(1 + tolerance).toFixed(1)}× stored` : '-',
      !base
        ? 'no stored baseline'
        : v.ok
          ? `meets target${v.text === 'ok' ? '' : ` ${v.text.slice(3)}`}`
          : `misses target: ${v.text}`,
      m.report === 'rate' ? formatFigure(m.medianMs, 'ms') : m.rate ? formatFigure(m.rate, m.unit ?? '') : '',
      `${m.peakRssDeltaMb.toFixed(0)} MiB`,
    ];
  });
  console.log(
    formatTable(
      [
        'supplementary case',
        'figure',
        'baseline (stored)',
        'ratio',
        'target',
        'verdict',
        'also',
        'peak RSS Δ',
      ],
      rows,
      new Set([1, 2, 3, 6, 7]),
    ),
  );
  printNotes(outcomes.map((o) => [o.bench.name, o.measurement?.note]));
}

function printNotes(notes: Array<[string, string | undefined]>): void {
  const present = notes.filter((n): n is [string, string] => Boolean(n[1]));
  if (present.length === 0) return;
  console.log('');
  for (const [name, note] of present) console.log(`  ${name}: ${note}`);
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

/** Runs `run` with progress on stderr and a fresh data directory under `root` that is removed afterwards. */
async function inChild<T>(root: string, name: string, run: (dataDir: string) => Promise<T>): Promise<T> {
  process.stderr.write(`  ${name} …`);
  const started = performance.now();
  try {
    return await run(path.join(root, name));
  } finally {
    process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    await rm(path.join(root, name), { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { comparisons, cases } = selectCases(args.only);
  if (args.list) {
    for (const c of [...comparisons, ...cases]) console.log(`${c.name.padEnd(30)} ${c.description}`);
    return 0;
  }
  const baselines = await readBaselines();
  const root = await mkdtemp(path.join(os.tmpdir(), 'course-sink-bench-'));
  const started = performance.now();
  const targets: TargetOutcome[] = [];
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
    for (const comparison of comparisons) {
      try {
        const reply = await inChild(root, comparison.name, (dir) =>
          runChild(comparison.name, dir, comparison.timeoutMs?.()),
        );
        if (!('comparison' in reply)) throw new Error(`${comparison.name} answered with no comparison`);
        const measurement = reply.comparison;
        targets.push({ comparison, measurement, met: meetsTarget(comparison.target, measurement) });
      } catch (err) {
        targets.push({ comparison, error: (err as Error).message, met: false });
      }
    }
    for (const bench of cases) {
      try {
        const reply = await inChild(root, bench.name, (dir) => runChild(bench.name, dir));
        if (!('measurement' in reply)) throw new Error(`${bench.name} answered with no measurement`);
        outcomes.push({
          bench,
          measurement: reply.measurement,
          verdict: verdict(reply.measurement, baselines),
        });
      } catch (err) {
        outcomes.push({ bench, error: (err as Error).message, verdict: { ok: false, text: 'error' } });
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  if (targets.length > 0) {
    console.log('');
    printTargets(targets);
  }
  if (outcomes.length > 0) {
    console.log('');
    printCases(outcomes, baselines);
  }
  for (const o of targets.filter((x) => x.error)) console.error(`\n${o.comparison.name} failed:\n${o.error}`);
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
        targets: targets.map(({ comparison: c, measurement, error, met }) => ({
          ...(measurement ?? { name: c.name, error }),
          description: c.description,
          target: { ...c.target, text: targetText(c.target, measurement?.figure.unit ?? '') },
          verdict: error ? 'error' : targetVerdict(met),
          ok: met !== false,
        })),
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
  const count = targets.length + outcomes.length;
  console.log(
    `\n${count} row(s) in ${totalS.toFixed(0)} s; results in ${path.relative(process.cwd(), RESULTS)}`,
  );
  if (args['save-baselines']) await saveBaselines(outcomes, baselines);

  const failed = [
    ...targets.filter((o) => o.met === false).map((o) => o.comparison.name),
    ...outcomes.filter((o) => !o.verdict.ok).map((o) => o.bench.name),
  ];
  if (failed.length > 0 && args.check) {
    console.error(`\n--check: ${failed.length} row(s) missed their target: ${failed.join(', ')}`);
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
