import { Readable } from 'node:stream';
import JSZip from 'jszip';
import { pino } from 'pino';
import { loadConfig } from '../../src/app/config.js';
import { exportInputsHash } from '../../src/outline/export-hash.js';
import { exportManifest, type ExportManifest } from '../../src/outline/export-manifest.js';
import { archiveLayout } from '../../src/sinks/exports/layout.js';
import { courseKeySegment } from '../../src/sinks/exports/names.js';
import { enqueueIfChanged } from '../../src/sinks/exports/queue.js';
import { exportStoreFor } from '../../src/sinks/exports/store.js';
import { runOnce } from '../../src/sinks/exports/worker.js';
import { runFromCourseDetail } from '../../src/sinks/postgres/catalog-input.js';
import { syncCourseRun } from '../../src/sinks/postgres/catalog.js';
import { migrate } from '../../src/sinks/postgres/migrate.js';
import { openPostgres } from '../../src/sinks/postgres/open.js';
import { fiftyVideoCourse } from '../cases/exports.js';
import type { ComparisonCase } from '../comparison.js';
import { timePairs } from '../paired.js';

/** The zip options archive.ts uses, so that the baseline compresses exactly as much. */
const ENTRY_DATE = new Date(Date.UTC(2000, 0, 1));
const GENERATE = {
  type: 'nodebuffer',
  compression: 'DEFLATE',
  compressionOptions: { level: 6 },
  platform: 'UNIX',
} as const;

/**
 * One archive build by the worker's runOnce (claim the job, lay out and stream the zip, upload, record it in
 * one transaction) vs jszip generating the same entries into a buffer and one put of those bytes, into the
 * same store: S3 when S3_ENDPOINT is set, else the local directory store. Postgres is PGlite.
 */
export const exportBuildCase: ComparisonCase = {
  name: 'export.build.50v',
  description:
    "the worker's runOnce building a 50-video course archive vs raw jszip generate of the same entries + one put",
  target: { kind: 'report' },
  async measure(dataDir) {
    const config = loadConfig({ ...process.env, DATA_DIR: dataDir });
    const sql = await openPostgres({ dataDir });
    const store = exportStoreFor({ s3: config.s3, dataDir });
    const baselineKeys: string[] = [];
    const { snapshot, outline } = fiftyVideoCourse();
    try {
      await migrate(sql);
      await syncCourseRun(sql, runFromCourseDetail(snapshot.detail));
      const base = exportManifest(snapshot, outline, { includeMedia: false });
      const manifestOf = (run: number): ExportManifest => ({
        ...base,
        course: { ...base.course, title: `Bench export ${run}` },
      });
      const entries = archiveLayout(manifestOf(0), { includeMedia: false });
      const logger = pino({ level: 'silent' });
      let figureBytes = 0;
      let baselineBytes = 0;
      const times = await timePairs({
        warmup: 2,
        iterations: 11,
        async before(side, run) {
          if (side !== 'figure') return;
          // A new title each run changes the inputs hash, so each run has a job to build.
          const manifest = manifestOf(run);
          const queued = await enqueueIfChanged(sql, {
            courseKey: manifest.courseKey,
            manifest,
            inputsHash: exportInputsHash(manifest),
          });
          if (queued !== 'queued') throw new Error(`export run ${run} was not queued (${queued})`);
        },
        async figure() {
          const result = await runOnce({ sql, store, logger });
          if (result.status !== 'built')
            throw new Error(`export build did not succeed: ${JSON.stringify(result)}`);
          figureBytes = result.sizeBytes;
        },
        async baseline(run) {
          const zip = new JSZip();
          for (const entry of entries) {
            if (!('text' in entry))
              throw new Error(`entry ${entry.path} is media; this row builds without media`);
            zip.file(entry.path, entry.text, { date: ENTRY_DATE, createFolders: false });
          }
          const bytes = await zip.generateAsync(GENERATE);
          baselineBytes = bytes.length;
          const key = `bench/baseline/${courseKeySegment(base.courseKey)}/${run}.zip`;
          baselineKeys.push(key);
          await store.put(key, Readable.from([bytes]), 'application/zip');
        },
      });
      return {
        name: this.name,
        figure: { value: times.figureMedianMs, unit: 'ms', samples: times.figureMs },
        baseline: { value: times.baselineMedianMs, unit: 'ms', samples: times.baselineMs },
        ratio: times.figureMedianMs / times.baselineMedianMs,
        details: {
          store: config.s3 ? 's3' : 'local-dir',
          figureBytes,
          baselineBytes,
          entries: entries.length,
        },
        note:
          `${config.s3 ? `S3 at ${config.s3.endpoint}` : 'local directory store'}, PGlite; ${entries.length} ` +
          `entries, archive ${(figureBytes / 1024).toFixed(0)} KiB (baseline zip ${(baselineBytes / 1024).toFixed(0)} KiB)`,
      };
    } finally {
      if (config.s3) {
        const ours = await store.list(`s3_files/courses/${courseKeySegment(snapshot.courseKey)}/`);
        for (const key of [...ours, ...baselineKeys]) await store.delete(key).catch(() => undefined);
      }
      store.close?.();
      await sql.close();
    }
  },
};
