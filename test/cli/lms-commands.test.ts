import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { TestLms } from '../peers/openedx/server.js';
import { syntheticCourse } from '../support/synthetic-course.js';

/** backfill and export against the test LMS, writing to embedded stores: the LMS-facing commands as users run them. */

const KEYS = ['course-v1:BackX+One+2026', 'course-v1:BackX+Two+2026', 'course-v1:OtherX+Three+2026'];
const BROKEN = 'course-v1:BackX+Broken+2026';

let lms: TestLms;
let dataDir: string;

const cli = (args: string[]) =>
  runCli(args, {
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    LMS_BASE_URL: lms.url,
    LMS_OAUTH_CLIENT_ID: lms.credentials.clientId,
    LMS_OAUTH_CLIENT_SECRET: lms.credentials.clientSecret,
  });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'course-sink-lms-cli-'));
  lms = await TestLms.start();
  for (const key of [...KEYS, BROKEN]) lms.setCourse(syntheticCourse({ blocks: 40, courseKey: key }));
  // The LMS answers this course's detail with a body of the wrong shape: a permanent failure.
  lms.malformed(`/api/courses/v1/courses/${encodeURIComponent(BROKEN)}`, 'shape');
});

afterAll(async () => {
  await lms?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('course-sink backfill', () => {
  it('syncs every course of an org, records the one that fails, and exits 1 with a summary', async () => {
    const run = await cli(['backfill', '--org', 'BackX', '--concurrency', '2']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('backfill: 3 courses: 2 synced, 0 already done, 1 failed');
    expect(run.stdout).toContain(`failed ${BROKEN}`);
  }, 120_000);

  it('resumes: a rerun of the same selection skips the courses already done', async () => {
    lms.reset();
    const run = await cli(['backfill', '--org', 'BackX']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('backfill: 3 courses: 1 synced, 2 already done, 0 failed');
  }, 120_000);

  it('reads a courses file, ignoring comments and repeats', async () => {
    const file = path.join(dataDir, 'courses.txt');
    await writeFile(file, `# two courses\n${KEYS[2]}\n${KEYS[0]}  # again below\n${KEYS[0]}\n`);
    const run = await cli(['backfill', '--courses-file', file, '--no-export']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('backfill: 2 courses: 2 synced');
  }, 120_000);
});

describe('course-sink export', () => {
  it('builds the archive of a course now and prints where it is', async () => {
    const run = await cli(['export', KEYS[2]!]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`export of ${KEYS[2]}`);
    expect(run.stdout).toMatch(/archive +\S+\.zip \(\d+ bytes\)/);
  }, 120_000);
});
