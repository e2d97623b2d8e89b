import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.js';

/** The command line as users run it, against the embedded stores (chdb, PGlite, a local exports dir). */

const SAMPLE = path.join(repoRoot, 'examples/sample-course');
const KEY = 'course-v1:CourseSink+MAPS101+2026_T1';

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { LOG_LEVEL: 'warn', ...env });

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'course-sink-cli-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('course-sink command line', () => {
  it('runs the demo with no configuration: outline, rows per store, an export archive', async () => {
    const run = await cli(['demo'], { DATA_DIR: dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Synced ${KEY}`);
    expect(run.stdout).toMatch(/1:1:1 +vertical +Bienvenue ! Welcome/);
    expect(run.stdout).toMatch(/2:1:2 +vertical +Quiz/);
    expect(run.stdout).toMatch(/event_sink\.course_blocks: 24\b/);
    expect(run.stdout).toMatch(/event_sink\.course_overviews: 1\b/);
    expect(run.stdout).toContain('Cartographie des données: Maps for Analysts');
    expect(run.stdout).toMatch(/archive +\S+\.zip \(\d+ bytes\)/);
  }, 120_000);

  it('queues no new export when the same course is synced again unchanged', async () => {
    const run = await cli(['sync', '--olx', SAMPLE, '--json'], { DATA_DIR: dataDir });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      export: { status: string };
      catalog: string;
      builds: unknown[];
    };
    expect(result.export.status).toBe('unchanged');
    expect(result.catalog).toBe('unchanged');
    expect(result.builds).toEqual([]);
  }, 120_000);

  it('answers queries on the embedded stores', async () => {
    const run = await cli(['query', 'postgres', 'SELECT courseware_id FROM course_runs'], {
      DATA_DIR: dataDir,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(JSON.stringify({ courseware_id: KEY }));
  }, 120_000);

  it('prints every row of a long answer into a pipe before it exits', async () => {
    const run = await cli(
      ['query', 'clickhouse', "SELECT number, repeat('x', 200) AS pad FROM system.numbers LIMIT 5000"],
      {
        DATA_DIR: dataDir,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(5000);
    expect(Number((JSON.parse(lines.at(-1)!) as { number: unknown }).number)).toBe(4999);
  }, 120_000);

  it('refuses to write through query, on either store', async () => {
    const pg = await cli(['query', 'postgres', 'DELETE FROM course_runs'], { DATA_DIR: dataDir });
    expect(pg.code).toBe(1);
    expect(pg.stderr).toMatch(/read-only transaction/);
    const ch = await cli(['query', 'clickhouse', 'DROP TABLE event_sink.course_blocks'], {
      DATA_DIR: dataDir,
    });
    expect(ch.code).toBe(1);
    expect(ch.stderr).toMatch(/readonly/i);
    const still = await cli(['query', 'postgres', 'SELECT count(*)::int AS n FROM course_runs'], {
      DATA_DIR: dataDir,
    });
    expect(still.stdout.trim()).toBe('{"n":1}');
  }, 120_000);

  it('exits 2 with the reason on usage and configuration errors', async () => {
    const badKey = await cli(['sync', 'not-a-key']);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('Invalid Open edX key "not-a-key"');

    const noLms = await cli(['sync', KEY], { DATA_DIR: dataDir });
    expect(noLms.code).toBe(2);
    expect(noLms.stderr).toContain('LMS_BASE_URL');

    const badEnv = await cli(['migrate'], { HTTP_PORT: 'eighty' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('HTTP_PORT');

    const noSelection = await cli(['backfill']);
    expect(noSelection.code).toBe(2);
  }, 60_000);

  it('documents every command in --help', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of [
      'consume',
      'migrate',
      'sync',
      'backfill',
      'dlq',
      'export',
      'export-worker',
      'demo',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  }, 60_000);
});
