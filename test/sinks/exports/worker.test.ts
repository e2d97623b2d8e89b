import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLocalDirStore } from '../../../src/sinks/exports/store.js';
import { pgliteDatabase } from '../postgres/support/databases.js';
import { exportCases } from './support/export-cases.js';

const dirs: string[] = [];

exportCases(pgliteDatabase, {
  async make() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'course-sink-exports-'));
    dirs.push(dir);
    return createLocalDirStore(path.join(dir, 'exports'));
  },
  async close() {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  },
});
