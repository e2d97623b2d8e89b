import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import JSZip from 'jszip';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CourseSnapshot } from '../../../../src/openedx/api-types.js';
import { buildOutline } from '../../../../src/outline/index.js';
import { claim, fail, reclaimStale } from '../../../../src/sinks/exports/queue.js';
import { cleanupPendingUploads } from '../../../../src/sinks/exports/janitor.js';
import { courseKeySegment } from '../../../../src/sinks/exports/names.js';
import { createExportSink } from '../../../../src/sinks/exports/sink.js';
import type { ExportStore } from '../../../../src/sinks/exports/store.js';
import {
  runOnce,
  runWorker,
  type ExportWorkerOptions,
  type RunOnceResult,
} from '../../../../src/sinks/exports/worker.js';
import { runFromCourseDetail } from '../../../../src/sinks/postgres/catalog-input.js';
import { syncCourseRun } from '../../../../src/sinks/postgres/catalog.js';
import { migrate } from '../../../../src/sinks/postgres/migrate.js';
import { waitFor } from '../../../support/stack.js';
import { syntheticSnapshot } from '../../../support/synthetic-course.js';
import type { TestDatabase, TestDatabaseFactory } from '../../postgres/support/databases.js';

export const HOSTILE = `<script>alert(1)</script> & "quotes"`;
const NO_WAIT = { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 };

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export interface StoreFactory {
  make(): Promise<ExportStore>;
  close?(store: ExportStore): Promise<void> | void;
}

/** Queue and worker behaviour on whichever database and store the test file provides. */
export function exportCases(makeDatabase: TestDatabaseFactory, stores: StoreFactory): void {
  describe('course exports', () => {
    let db: TestDatabase;
    let store: ExportStore;
    let n = 0;
    const created: string[] = [];
    const logger = pino({ level: 'silent' });
    const worker = (overrides: Partial<ExportWorkerOptions> = {}): ExportWorkerOptions => ({
      sql: db.sql,
      store,
      logger,
      workerId: 'test-worker',
      retry: NO_WAIT,
      ...overrides,
    });

    /** A catalogued course with a few videos, one of them titled with markup. */
    const freshCourse = async (): Promise<CourseSnapshot> => {
      const courseKey = `course-v1:ExportX+E${++n}x${Date.now().toString(36)}+1T2025`;
      created.push(courseKey);
      const snapshot = syntheticSnapshot({ blocks: 40, courseKey });
      const video = Object.values(snapshot.blocks.blocks).find((b) => b.type === 'video')!;
      video.display_name = HOSTILE;
      await syncCourseRun(db.sql, runFromCourseDetail(snapshot.detail));
      return snapshot;
    };
    const sync = (snapshot: CourseSnapshot, sql = db.sql) =>
      createExportSink({ sql }).courseSynced({ snapshot, outline: buildOutline(snapshot.blocks) });
    const exportsOf = async (courseKey: string) =>
      (
        await db.sql.query<{
          uid: string;
          inputs_hash: string;
          output_sha512: string;
          key: string;
          status: string;
          size: string;
          sha512: string;
        }>(
          `SELECT e.uid, e.inputs_hash, e.output_sha512, f.key, f.status, f.size, f.sha512
           FROM course_exports e JOIN s3_files f ON f.id = e.s3_file_id
           WHERE e.course_key = $1 ORDER BY e.created_at DESC, e.uid ASC`,
          [courseKey],
        )
      ).rows;
    const objectsOf = (courseKey: string) => store.list(`s3_files/courses/${courseKeySegment(courseKey)}/`);
    const drain = async (options: ExportWorkerOptions = worker()) => {
      const results = [];
      for (let r = await runOnce(options); r.status !== 'idle'; r = await runOnce(options)) results.push(r);
      return results;
    };

    beforeAll(async () => {
      db = await makeDatabase();
      await migrate(db.sql);
      store = await stores.make();
    });
    afterAll(async () => {
      for (const courseKey of created) for (const key of await objectsOf(courseKey)) await store.delete(key);
      await stores.close?.(store);
      await db.drop();
    });

    it('builds one export on the first sync, none on an unchanged resync, one more after a title change', async () => {
      const course = await freshCourse();
      const first = await sync(course);
      expect(first.status).toBe('queued');
      expect(await drain()).toMatchObject([{ status: 'built', courseKey: course.courseKey }]);
      expect(await exportsOf(course.courseKey)).toHaveLength(1);

      expect(await sync(course)).toEqual({ ...first, status: 'unchanged' });
      expect(await drain()).toEqual([]);

      const unit = Object.values(course.blocks.blocks).find(
        (b) => b.type === 'video' && b.display_name !== HOSTILE,
      )!;
      unit.display_name = 'Renamed in Studio';
      expect((await sync(course)).status).toBe('queued');
      expect(await sync(course)).toMatchObject({ status: 'already-queued' });
      expect(await drain()).toHaveLength(1);
      const exports = await exportsOf(course.courseKey);
      expect(exports).toHaveLength(2);
      expect(exports[0]?.inputs_hash).not.toBe(exports[1]?.inputs_hash);
      expect(await objectsOf(course.courseKey)).toHaveLength(2);
    });

    it('stores a zip that unzips, whose sha512 is output_sha512, with hostile titles escaped', async () => {
      const course = await freshCourse();
      await sync(course);
      await drain();
      const [exp] = await exportsOf(course.courseKey);
      expect(exp).toMatchObject({ status: 'stored' });
      expect(exp!.uid).toMatch(/^ce_/);
      expect(exp!.key).toContain(exp!.uid);
      const bytes = await readAll(await store.get(exp!.key));
      expect(createHash('sha512').update(bytes).digest('hex')).toBe(exp!.output_sha512);
      expect(exp!.sha512).toBe(exp!.output_sha512);
      expect(Number(exp!.size)).toBe(bytes.length);

      const zip = await JSZip.loadAsync(bytes);
      const names = Object.keys(zip.files);
      expect(names).toContain('index.html');
      expect(names).toContain('meta.txt');
      const videos = Object.values(course.blocks.blocks).filter((b) => b.type === 'video').length;
      expect(names.filter((f) => /^classes\/.*\.txt$/.test(f))).toHaveLength(videos);
      const html = await zip.file('index.html')!.async('string');
      expect(html).not.toContain('<script>');
      expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;quotes&#34;');
      expect(await zip.file('meta.txt')!.async('string')).toMatch(/^exporter version: course-sink\/1\n/);
    });

    it('leaves one export and no stray object when the worker fails after uploading', async () => {
      const course = await freshCourse();
      await sync(course);
      let failAfterUpload = true;
      const flaky: ExportStore = {
        ...store,
        bucket: store.bucket,
        async put(key, body, type, signal) {
          await store.put(key, body, type, signal);
          if (failAfterUpload) {
            failAfterUpload = false;
            throw new Error('simulated crash between the upload and the final transaction');
          }
        },
      };
      const results = await drain(worker({ store: flaky }));
      expect(results.map((r) => r.status)).toEqual(['failed', 'built']);
      await cleanupPendingUploads({ sql: db.sql, store }, 0);
      const exports = await exportsOf(course.courseKey);
      expect(exports).toHaveLength(1);
      expect(await objectsOf(course.courseKey)).toEqual([exports[0]!.key]);
    });

    it('recovers from a worker that died mid-build: its job is reclaimed and its upload swept', async () => {
      const course = await freshCourse();
      await sync(course);
      const dead = await claim(db.sql, 'dead-worker');
      expect(dead?.courseKey).toBe(course.courseKey);
      const strayKey = `s3_files/courses/${courseKeySegment(course.courseKey)}/ce_dead/partial.zip`;
      await db.sql.query(
        "INSERT INTO s3_files (key, bucket, content_type) VALUES ($1, $2, 'application/zip')",
        [strayKey, store.bucket],
      );
      const { Readable } = await import('node:stream');
      await store.put(strayKey, Readable.from([Buffer.from('half a zip')]), 'application/zip');

      expect(await drain()).toEqual([]);
      expect(await reclaimStale(db.sql, 0)).toBe(1);
      expect(await cleanupPendingUploads({ sql: db.sql, store }, 0)).toBe(1);
      expect(await drain()).toMatchObject([{ status: 'built' }]);
      const exports = await exportsOf(course.courseKey);
      expect(exports).toHaveLength(1);
      expect(await objectsOf(course.courseKey)).toEqual([exports[0]!.key]);
    });

    it('never claims a job of a course that already has a build running', async () => {
      const course = await freshCourse();
      await sync(course);
      const running = await claim(db.sql, 'worker-a');
      expect(running).not.toBeNull();
      await db.sql.query(
        `INSERT INTO export_jobs (course_key, inputs_hash, manifest) SELECT course_key, 'other-hash', manifest
         FROM export_jobs WHERE id = $1`,
        [running!.id],
      );
      expect(await claim(db.sql, 'worker-b')).toBeNull();
      await fail(db.sql, running!, { message: 'gave up', permanent: true });
      expect((await claim(db.sql, 'worker-b'))?.inputsHash).toBe('other-hash');
    });

    it('retries with backoff and leaves the job failed and visible after the last attempt', async () => {
      const course = await freshCourse();
      await sync(course);
      const policy = { maxAttempts: 2, baseDelayMs: 60_000, maxDelayMs: 60_000 };
      const first = await claim(db.sql, 'w');
      expect(await fail(db.sql, first!, { message: 'S3 timed out', permanent: false }, policy)).toBe(
        'queued',
      );
      expect(await claim(db.sql, 'w')).toBeNull();
      await db.sql.query('UPDATE export_jobs SET run_after = now() WHERE id = $1', [first!.id]);
      const second = await claim(db.sql, 'w');
      expect(second?.attempts).toBe(2);
      expect(await fail(db.sql, second!, { message: 'S3 timed out again', permanent: false }, policy)).toBe(
        'failed',
      );
      const row = (
        await db.sql.query<{ status: string; last_error: string }>(
          'SELECT status, last_error FROM export_jobs WHERE id = $1',
          [first!.id],
        )
      ).rows[0];
      expect(row).toEqual({ status: 'failed', last_error: 'S3 timed out again' });
    });

    it('records an error holding NUL, or cut inside a surrogate pair, as a storable last_error', async () => {
      const course = await freshCourse();
      await sync(course);
      const job = await claim(db.sql, 'w');
      // 4,000 characters are kept: the emoji straddles the cut, leaving a lone high surrogate.
      const message = `NUL\u0000 ${'a'.repeat(3994)}😀 and more`;
      expect(await fail(db.sql, job!, { message, permanent: true })).toBe('failed');
      const row = (
        await db.sql.query<{ last_error: string }>('SELECT last_error FROM export_jobs WHERE id = $1', [
          job!.id,
        ])
      ).rows[0];
      expect(row?.last_error).toBe(`NUL\uFFFD ${'a'.repeat(3994)}\uFFFD`);
    });

    it('keeps the job queued while the catalog has no run for the course', async () => {
      const snapshot = syntheticSnapshot({
        blocks: 20,
        courseKey: `course-v1:ExportX+Uncatalogued${++n}+1T2025`,
      });
      expect((await sync(snapshot)).status).toBe('queued');
      const [result] = await drain(
        worker({ retry: { ...NO_WAIT, baseDelayMs: 60_000, maxDelayMs: 60_000 } }),
      );
      expect(result).toMatchObject({ status: 'failed', next: 'queued' });
      expect(result?.status === 'failed' && result.error).toMatch(/no course_runs row/);
    });

    it('drops a queued build that a newer sync superseded, and reports the course unchanged when it is back', async () => {
      const course = await freshCourse();
      const first = await sync(course);
      expect(first.status).toBe('queued');
      await drain();
      const video = Object.values(course.blocks.blocks).find((b) => b.type === 'video')!;
      const original = video.display_name;
      video.display_name = 'Temporary title';
      expect((await sync(course)).status).toBe('queued');
      video.display_name = original;
      expect(await sync(course)).toEqual({ ...first, status: 'unchanged' });
      expect(await drain()).toEqual([]);
      expect(await exportsOf(course.courseKey)).toHaveLength(1);
    });

    it('archives the video files when media is included and fails the build when one cannot be downloaded', async () => {
      const course = await freshCourse();
      const manifestSink = createExportSink({ sql: db.sql, includeMedia: true });
      await manifestSink.courseSynced({ snapshot: course, outline: buildOutline(course.blocks) });
      const bodies = new Map<string, string>();
      const fakeFetch = (async (url: string | URL | Request) => {
        const text = `video bytes of ${String(url)}`;
        bodies.set(String(url), text);
        return new Response(text, { status: 200, headers: { 'content-length': String(text.length) } });
      }) as typeof fetch;
      expect(await drain(worker({ fetch: fakeFetch }))).toMatchObject([{ status: 'built' }]);
      const [exp] = await exportsOf(course.courseKey);
      const zip = await JSZip.loadAsync(await readAll(await store.get(exp!.key)));
      const mp4s = Object.keys(zip.files).filter((f) => f.endsWith('.mp4'));
      expect(mp4s.length).toBe(bodies.size);
      expect(await zip.file(mp4s[0]!)!.async('string')).toMatch(/^video bytes of https:/);
      expect(await zip.file('meta.txt')!.async('string')).toMatch(/course-sink\/1\+media/);

      const other = await freshCourse();
      await manifestSink.courseSynced({ snapshot: other, outline: buildOutline(other.blocks) });
      const missing = (async () => new Response('gone', { status: 404 })) as typeof fetch;
      const [result] = await drain(worker({ fetch: missing }));
      expect(result).toMatchObject({ status: 'failed', next: 'failed' });
      expect(result?.status === 'failed' && result.error).toMatch(/HTTP 404/);
      expect(await exportsOf(other.courseKey)).toEqual([]);
      expect(await objectsOf(other.courseKey)).toEqual([]);
    });

    it('runs the loop until aborted, building what is queued', async () => {
      const course = await freshCourse();
      await sync(course);
      const abort = new AbortController();
      const results: RunOnceResult[] = [];
      const loop = runWorker({
        ...worker(),
        signal: abort.signal,
        pollMs: 20,
        onResult: (r) => results.push(r),
      });
      await waitFor(() => results.length > 0, { what: 'the worker loop to build the queued export' });
      abort.abort();
      await loop;
      expect(results).toMatchObject([{ status: 'built', courseKey: course.courseKey }]);
      expect(await exportsOf(course.courseKey)).toHaveLength(1);
    });

    it('gives the job back untouched when shut down mid-build, leaving no object behind', async () => {
      const course = await freshCourse();
      await createExportSink({ sql: db.sql, includeMedia: true }).courseSynced({
        snapshot: course,
        outline: buildOutline(course.blocks),
      });
      const abort = new AbortController();
      let started!: () => void;
      const downloading = new Promise<void>((resolve) => (started = resolve));
      const hangingFetch = ((_url: string | URL | Request, init?: RequestInit) =>
        new Promise<Response>((_, reject) => {
          started();
          init?.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        })) as typeof fetch;
      const run = runOnce(worker({ fetch: hangingFetch, signal: abort.signal }));
      await downloading;
      abort.abort();
      expect(await run).toMatchObject({ status: 'released', courseKey: course.courseKey });
      const job = (
        await db.sql.query<{ status: string; attempts: number }>(
          'SELECT status, attempts FROM export_jobs WHERE course_key = $1',
          [course.courseKey],
        )
      ).rows;
      expect(job).toEqual([{ status: 'queued', attempts: 0 }]);
      expect(await objectsOf(course.courseKey)).toEqual([]);
      const pending = await db.sql.query("SELECT 1 FROM s3_files WHERE status = 'pending' AND key LIKE $1", [
        `s3_files/courses/${courseKeySegment(course.courseKey)}/%`,
      ]);
      expect(pending.rowCount).toBe(0);
    });
  });
}
