import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestLms } from '../peers/openedx/server.js';
import { syntheticCourse } from '../support/synthetic-course.js';

const SCRIPT = fileURLToPath(new URL('../support/capped-sync.ts', import.meta.url));
const BLOCKS = 100_000;
/** Far below what holding the whole answer, its parse and every row at once takes (over 1 GB). */
const HEAP_MB = 256;
const COURSE = 'course-v1:SynthX+Heap100k+2024';

let lms: TestLms;
let dataDir: string;

beforeAll(async () => {
  lms = await TestLms.start();
  lms.setCourse(syntheticCourse({ blocks: BLOCKS, courseKey: COURSE }));
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'course-sink-heap-'));
});

afterAll(async () => {
  await lms?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a 100k-block course', () => {
  it(`syncs from the LMS into ClickHouse in a process whose heap is capped at ${HEAP_MB} MB`, async () => {
    const { clientId, clientSecret } = lms.credentials;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        `--max-old-space-size=${HEAP_MB}`,
        '--import',
        'tsx',
        SCRIPT,
        lms.url,
        clientId,
        clientSecret,
        COURSE,
        dataDir,
      ],
      { maxBuffer: 1 << 20 },
    );
    const rows = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    expect(rows.course_blocks).toBe(BLOCKS);
    expect(rows.course_relationships).toBe(BLOCKS - 1);
    expect(rows.course_overviews).toBe(1);
  }, 180_000);
});
