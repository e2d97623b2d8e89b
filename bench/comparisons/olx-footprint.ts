import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComparisonCase } from '../comparison.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEMO_COURSE = path.resolve(ROOT, '../shared/fixtures/openedx-demo-course/course');
const CLI = path.join(ROOT, 'src/cli/main.ts');
const MB = 1e6;
const REPORT_PEAK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'report-peak.ts');

/** Runs a command with the stores unset (so embedded) and returns its peak RSS from /proc's VmHWM, read at exit. */
function peakOf(args: string[], dataDir: string): Promise<{ peakBytes: number; ms: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of ['CLICKHOUSE_URL', 'DATABASE_URL', 'S3_BUCKET', 'S3_ENDPOINT']) delete env[name];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', REPORT_PEAK, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      const kb = Number(/VMHWM=(\d+)/.exec(stderr)?.[1] ?? 0);
      if (code !== 0 || kb === 0)
        return reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
      resolve({ peakBytes: kb * 1024, ms: performance.now() - started });
    });
  });
}

/**
 * The embedded default's footprint: one `course-sink sync --olx` of the Open edX demo course with every
 * store embedded (chdb, PGlite, archives in a directory), on a fresh DATA_DIR as a first run or a demo
 * has it, then again on the same DATA_DIR. The baseline is Node loading the same TypeScript sources and
 * nothing else (`--help`), the floor any command pays.
 */
export const olxFootprintCase: ComparisonCase = {
  name: 'footprint.sync-olx.demo',
  description:
    'peak RSS of `sync --olx` of the demo course with embedded stores on a fresh DATA_DIR, vs `course-sink --help`',
  target: { kind: 'figure-at-most', limit: 400 },
  async measure(dataDir) {
    const fresh = await peakOf([CLI, 'sync', '--olx', DEMO_COURSE], path.join(dataDir, 'data'));
    const again = await peakOf([CLI, 'sync', '--olx', DEMO_COURSE], path.join(dataDir, 'data'));
    const floor = await peakOf([CLI, '--help'], path.join(dataDir, 'help'));
    return {
      name: this.name,
      figure: { value: fresh.peakBytes / MB, unit: 'MB' },
      baseline: { value: floor.peakBytes / MB, unit: 'MB' },
      ratio: fresh.peakBytes / floor.peakBytes,
      details: { fresh, again, floor },
      note:
        `fresh DATA_DIR ${(fresh.peakBytes / MB).toFixed(0)} MB in ${(fresh.ms / 1000).toFixed(1)} s (PGlite's initdb runs a ` +
        `second WebAssembly Postgres); the same DATA_DIR again ${(again.peakBytes / MB).toFixed(0)} MB; ` +
        `Node with the sources loaded ${(floor.peakBytes / MB).toFixed(0)} MB`,
    };
  },
};
