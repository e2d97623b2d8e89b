import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pino } from 'pino';
import type { CourseSnapshot } from '../../src/openedx/api-types.js';
import { exportInputsHash } from '../../src/outline/export-hash.js';
import { exportManifest, type ExportManifest } from '../../src/outline/export-manifest.js';
import { buildOutline, type Outline } from '../../src/outline/index.js';
import { enqueueIfChanged } from '../../src/sinks/exports/queue.js';
import { createLocalDirStore } from '../../src/sinks/exports/store.js';
import { runOnce } from '../../src/sinks/exports/worker.js';
import { runFromCourseDetail } from '../../src/sinks/postgres/catalog-input.js';
import { syncCourseRun } from '../../src/sinks/postgres/catalog.js';
import { migrate } from '../../src/sinks/postgres/migrate.js';
import { openPostgres } from '../../src/sinks/postgres/open.js';
import { syntheticSnapshot } from '../../test/support/synthetic-course.js';
import type { BenchCase } from '../case.js';

const VIDEOS = 50;
/** Four full sections (12 videos each) plus a fifth with two units: 50 video blocks. */
const BLOCKS_FOR_50_VIDEOS = 1 + 4 * 65 + 1 + 1 + 2 * 5;
const MEDIA_BYTES_PER_VIDEO = 1024 * 1024;

export function fiftyVideoCourse(): { snapshot: CourseSnapshot; outline: Outline } {
  const snapshot = syntheticSnapshot({
    blocks: BLOCKS_FOR_50_VIDEOS,
    courseKey: 'course-v1:BenchX+Export+2024',
  });
  const outline = buildOutline(snapshot.blocks);
  const videos = outline.rows.filter((r) => r.blockType === 'video').length;
  if (videos !== VIDEOS)
    throw new Error(`the export benchmark course has ${videos} videos, expected ${VIDEOS}`);
  return { snapshot, outline };
}

export const manifestCase: BenchCase = {
  name: 'export.manifest.50v',
  description: 'exportManifest + exportInputsHash of a 50-video course (what every sync computes)',
  report: 'rate',
  warmup: 100,
  iterations: 1_000,
  async setup() {
    const { snapshot, outline } = fiftyVideoCourse();
    let hash = '';
    return {
      work: { count: 1, unit: 'manifests' },
      run() {
        hash = exportInputsHash(exportManifest(snapshot, outline));
      },
      note: () => `inputs_hash ${hash.slice(0, 12)}…`,
    };
  },
};

/**
 * A fetch that serves every video as MEDIA_BYTES_PER_VIDEO bytes of incompressible data, produced chunk by
 * chunk as the archive reads it, the way a CDN download would arrive.
 */
function fakeVideoFetch(): typeof globalThis.fetch {
  const chunk = randomBytes(64 * 1024);
  return async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= MEDIA_BYTES_PER_VIDEO) return controller.close();
        controller.enqueue(new Uint8Array(chunk));
        sent += chunk.length;
      },
    });
    return new Response(body, { headers: { 'content-length': String(MEDIA_BYTES_PER_VIDEO) } });
  };
}

function archiveCase(includeMedia: boolean): BenchCase {
  return {
    name: includeMedia ? 'export.archive.50v-media' : 'export.archive.50v',
    description: includeMedia
      ? `runOnce building a 50-video archive with media (${VIDEOS} × 1 MiB streamed) on PGlite + local dir store`
      : 'runOnce building a 50-video archive (index, meta, class files) on PGlite + local dir store',
    report: 'ms',
    warmup: 1,
    iterations: includeMedia ? 3 : 8,
    async setup(dataDir) {
      const sql = await openPostgres({ dataDir });
      await migrate(sql);
      const store = createLocalDirStore(path.join(dataDir, 'exports'));
      const { snapshot, outline } = fiftyVideoCourse();
      await syncCourseRun(sql, runFromCourseDetail(snapshot.detail));
      const base = exportManifest(snapshot, outline, { includeMedia });
      const fetch = fakeVideoFetch();
      let sizeBytes = 0;
      return {
        ...(includeMedia
          ? { work: { count: (VIDEOS * MEDIA_BYTES_PER_VIDEO) / 1024 ** 2, unit: 'MiB' } }
          : {}),
        async before(run) {
          // A new title each run changes the inputs hash, so each run has a job to build.
          const manifest: ExportManifest = {
            ...base,
            course: { ...base.course, title: `Bench export ${run}` },
          };
          const queued = await enqueueIfChanged(sql, {
            courseKey: manifest.courseKey,
            manifest,
            inputsHash: exportInputsHash(manifest),
          });
          if (queued !== 'queued') throw new Error(`export run ${run} was not queued (${queued})`);
        },
        async run() {
          const result = await runOnce({ sql, store, logger: pino({ level: 'silent' }), fetch });
          if (result.status !== 'built')
            throw new Error(`export build did not succeed: ${JSON.stringify(result)}`);
          sizeBytes = result.sizeBytes;
        },
        note: () => `archive ${(sizeBytes / 1024).toFixed(0)} KiB`,
        teardown: () => sql.close(),
      };
    },
  };
}

export const archiveCases: BenchCase[] = [archiveCase(false), archiveCase(true)];
