/**
 * Chaos scenario: hostile OLX exports (links and `..` names leading out of the course folder, archive
 * entries with absolute or `..` paths, links in archives, cyclic courses, oversize files, deep nesting,
 * 10,000 children, NUL and lone-surrogate names), each read by `readOlxCourse` in a worker thread of its
 * own with a time and memory budget, so that a reader that hangs or runs away is stopped and counted.
 *
 * Counts: `sent` inputs; `deadLettered` refused with the typed permanent error they call for; `lost` an
 * input that crashed, hung, ran out of memory, was read when it must be refused or refused when it must be
 * read; `leaked` an input whose outcome holds what lies outside its folder (or that was refused with
 * another error than OlxPathError, which means the outside file was opened). Inputs read as they must be
 * are in none of these; nothing here is skipped, partial or duplicated.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  EXPECTED_ERROR,
  HOSTILE_CASES,
  OUTSIDE_MARKER,
  type HostileCase,
} from '../../test/support/hostile-olx.js';
import type { ScenarioResult } from '../support.js';

/** Per input: far above the slowest honest case (about a second), far below a run that never ends. */
const PER_INPUT_MS = 30_000;
/** Heap of the worker reading one input; an unbounded reader would pass it within seconds. */
const WORKER_HEAP_MB = 1024;

/** What a worker reports back: the error's class name, or that the course was read. */
type WorkerReport =
  | { read: true; blocks: number; marker: boolean }
  | { read: false; name: string; permanent: boolean; marker: boolean; message: string };

// Plain JavaScript, so the worker needs no loader of its own; it imports the TypeScript reader through tsx.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { tsImport } = await import('tsx/esm/api');
  const olx = await tsImport(workerData.reader, workerData.parent);
  const leaks = (text) => text.includes(workerData.marker) || text.includes('root:x:0:0');
  // A PermanentError by class; the worker's copy of src/errors.ts is its own, so the name is what can be compared.
  const permanent = (e) => { for (let p = e && Object.getPrototypeOf(e); p; p = Object.getPrototypeOf(p)) if (p.constructor.name === 'PermanentError') return true; return false; };
  try {
    const snapshot = await olx.readOlxCourse(workerData.location);
    parentPort.postMessage({ read: true, blocks: Object.keys(snapshot.blocks.blocks).length, marker: leaks(JSON.stringify(snapshot)) });
  } catch (err) {
    const message = String(err && err.message);
    parentPort.postMessage({ read: false, name: String(err && err.name), permanent: permanent(err), marker: leaks(message), message: message.slice(0, 500) });
  }
})().catch((err) => parentPort.postMessage({ read: false, name: 'WorkerSetupError', permanent: false, marker: false, message: String(err) }));
`;

type Verdict = 'deadLettered' | 'read' | 'lost' | 'leaked';

function readInWorker(location: string): Promise<WorkerReport | { failure: string }> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        reader: '../../src/openedx/olx/index.ts',
        parent: import.meta.url,
        location,
        marker: OUTSIDE_MARKER,
      },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let done = false;
    const finish = (outcome: WorkerReport | { failure: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ failure: `no answer within ${PER_INPUT_MS} ms` }), PER_INPUT_MS);
    worker.once('message', (report: WorkerReport) => finish(report));
    worker.once('error', (err) => finish({ failure: err.message }));
    worker.once('exit', (code) => finish({ failure: `worker exited with code ${code}` }));
  });
}

function verdict(c: HostileCase, outcome: WorkerReport | { failure: string }): Verdict {
  if ('failure' in outcome) return 'lost';
  if (outcome.marker) return 'leaked';
  if (c.expect === 'accepted') return outcome.read ? 'read' : 'lost';
  if (outcome.read) return c.expect === 'path' ? 'leaked' : 'lost';
  if (outcome.permanent && outcome.name === EXPECTED_ERROR[c.expect]) return 'deadLettered';
  return c.expect === 'path' ? 'leaked' : 'lost';
}

export const scenario = {
  name: 'hostile-olx',
  async run(): Promise<ScenarioResult> {
    const work = await mkdtemp(path.join(tmpdir(), 'chaos-hostile-olx-'));
    const counts: Record<Verdict, number> = { deadLettered: 0, read: 0, lost: 0, leaked: 0 };
    const started = Date.now();
    try {
      for (const [i, c] of HOSTILE_CASES.entries()) {
        const dir = await mkdtemp(path.join(work, `${i}-`));
        const outcome = await readInWorker(await c.build(dir));
        const v = verdict(c, outcome);
        counts[v]++;
        if (v === 'lost' || v === 'leaked')
          console.error(`hostile-olx: "${c.name}" ${v}: ${JSON.stringify(outcome)}`);
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    return {
      sent: HOSTILE_CASES.length,
      deadLettered: counts.deadLettered,
      skipped: 0,
      lost: counts.lost,
      partial: 0,
      duplicated: 0,
      drainedMs: Date.now() - started,
      leaked: counts.leaked,
    };
  },
};
