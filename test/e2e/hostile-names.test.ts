import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOlxCourse } from '../../src/openedx/olx/index.js';
import { buildOutline } from '../../src/outline/index.js';
import { exportInputsHash } from '../../src/outline/export-hash.js';
import { exportManifest } from '../../src/outline/export-manifest.js';
import { runCli } from '../support/cli.js';

/**
 * Every class of hostile name, synced from an OLX export through the embedded stores: each store keeps
 * what it can hold (ClickHouse keeps NUL, Postgres cannot; no store can hold a lone surrogate), and the
 * export hash is still computed from the original text.
 */

const KEY = 'course-v1:Hostile+Names101+Run';
const FFFD = '\uFFFD';
const NAMES = {
  course: 'Cours\u0000nul \ud800lone-high 😀 <script>alert(1)</script>',
  chapter: 'Chapitre\u0000avec NUL',
  sequential: 'lone \udc00low and \ud83d high',
  vertical: 'emoji 😀🧭 four bytes',
  rtl: '\u200fעברית\u202e reversed\u202c',
  script: '<script>alert("x")</script>',
  long: 'L'.repeat(10 * 1024),
};
const DESCRIPTION = 'Short\u0000description';

const files: Record<string, string> = {
  'course.xml': '<course url_name="Run" org="Hostile" course="Names101"/>',
  'course/Run.xml': '<course><chapter url_name="ch"/></course>',
  'chapter/ch.xml': '<chapter><sequential url_name="seq"/></chapter>',
  'sequential/seq.xml': '<sequential><vertical url_name="v"/></sequential>',
  'vertical/v.xml':
    '<vertical><video url_name="rtl" youtube_id_1_0="aaaaaaaaaaa"/>' +
    '<video url_name="script" youtube_id_1_0="bbbbbbbbbbb"/><video url_name="long" youtube_id_1_0="ccccccccccc"/></vertical>',
  'policies/Run/policy.json': JSON.stringify({
    'course/Run': { display_name: NAMES.course },
    'chapter/ch': { display_name: NAMES.chapter },
    'sequential/seq': { display_name: NAMES.sequential },
    'vertical/v': { display_name: NAMES.vertical },
    'video/rtl': { display_name: NAMES.rtl },
    'video/script': { display_name: NAMES.script },
    'video/long': { display_name: NAMES.long },
  }),
  'about/short_description.html': DESCRIPTION,
};

const loc = (type: string, id: string) => `block-v1:Hostile+Names101+Run+type@${type}+block@${id}`;
const cli = (args: string[]) => runCli(args, { LOG_LEVEL: 'warn', DATA_DIR: dataDir });

let work: string;
let course: string;
let dataDir: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hostile-names-'));
  course = path.join(work, 'course');
  dataDir = path.join(work, 'data');
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(course, file)), { recursive: true });
    await writeFile(path.join(course, file), text);
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function queryRows<R>(store: 'clickhouse' | 'postgres', sql: string): Promise<R[]> {
  const run = await cli(['query', store, sql]);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as R);
}

describe('hostile names through every store', () => {
  it('syncs the course and stores each name as the store can hold it', async () => {
    const run = await cli(['sync', '--olx', course, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      export: { status: string; inputsHash: string };
      builds: Array<{ status: string }>;
      currentExport: { inputsHash: string; key: string } | undefined;
    };
    expect(result.export.status).toBe('queued');
    expect(result.builds.map((b) => b.status)).toEqual(['built']);

    // The hash is the one of the original text, not of what Postgres could hold.
    const snapshot = await readOlxCourse(course);
    const originalHash = exportInputsHash(exportManifest(snapshot, buildOutline(snapshot.blocks)));
    expect(result.export.inputsHash).toBe(originalHash);
    expect(result.currentExport?.inputsHash).toBe(originalHash);

    // ClickHouse holds NUL; lone surrogates become U+FFFD; everything else is byte for byte.
    const blocks = await queryRows<{ location: string; display_name: string }>(
      'clickhouse',
      `SELECT location, display_name FROM event_sink.course_blocks WHERE course_key = '${KEY}'`,
    );
    const byLocation = new Map(blocks.map((b) => [b.location, b.display_name]));
    expect(byLocation.get(loc('chapter', 'ch'))).toBe(NAMES.chapter);
    expect(byLocation.get(loc('sequential', 'seq'))).toBe(`lone ${FFFD}low and ${FFFD} high`);
    expect(byLocation.get(loc('vertical', 'v'))).toBe(NAMES.vertical);
    expect(byLocation.get(loc('video', 'rtl'))).toBe(NAMES.rtl);
    expect(byLocation.get(loc('video', 'script'))).toBe(NAMES.script);
    expect(byLocation.get(loc('video', 'long'))).toBe(NAMES.long);
    const overview = await queryRows<{ display_name: string }>(
      'clickhouse',
      `SELECT display_name FROM event_sink.course_overviews WHERE course_key = '${KEY}'`,
    );
    expect(overview.map((o) => o.display_name)).toEqual([
      `Cours\u0000nul ${FFFD}lone-high 😀 <script>alert(1)</script>`,
    ]);

    // Postgres holds neither NUL nor lone surrogates: both become U+FFFD.
    const runs = await queryRows<{ title: string; description: string }>(
      'postgres',
      `SELECT r.title, c.description FROM course_runs r JOIN courses c ON c.id = r.course_id WHERE r.courseware_id = '${KEY}'`,
    );
    expect(runs).toEqual([
      {
        title: `Cours${FFFD}nul ${FFFD}lone-high 😀 <script>alert(1)</script>`,
        description: `Short${FFFD}description`,
      },
    ]);

    // The archive: names escaped in HTML, lone surrogates and NUL replaced, long names kept in full.
    const zip = await JSZip.loadAsync(
      await readFile(path.join(dataDir, 'exports', result.currentExport!.key)),
    );
    const index = await zip.file('index.html')!.async('string');
    expect(index).not.toContain('<script>alert');
    expect(index).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(index).toContain(`Cours${FFFD}nul ${FFFD}lone-high 😀`);
    expect(index).toContain(NAMES.rtl);
    expect(index).toContain(NAMES.long);
    expect(index).not.toContain('\u0000');
  }, 180_000);
});
