import { exportInputsHash } from '../../outline/export-hash.js';
import { exportManifest } from '../../outline/export-manifest.js';
import type { ExportOutcome, ExportSink } from '../../sync/ports.js';
import type { SqlClient } from '../postgres/sql-client.js';
import { enqueueIfChanged } from './queue.js';

/** Recomputes the manifest and its hash after each sync and queues a build when they changed. */
export function createExportSink(options: {
  sql: SqlClient;
  instructorName?: string;
  includeMedia?: boolean;
}): ExportSink {
  return {
    async courseSynced({ snapshot, outline }): Promise<ExportOutcome> {
      const manifest = exportManifest(snapshot, outline, options);
      if (manifest.journeys.length === 0) {
        return { status: 'skipped', reason: `course ${snapshot.courseKey} has no video blocks to export` };
      }
      const inputsHash = exportInputsHash(manifest);
      const status = await enqueueIfChanged(options.sql, {
        courseKey: manifest.courseKey,
        manifest,
        inputsHash,
      });
      return { status, inputsHash };
    },
  };
}
