import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Credentials } from '../../test/peers/openedx/tokens.js';

export interface LmsHostReady {
  url: string;
  credentials: Credentials;
}

export interface LmsPeer extends LmsHostReady {
  close(): Promise<void>;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HOST = path.join(HERE, 'lms-host.ts');
const BACKFILL_HOST = path.join(HERE, 'lms-backfill-host.ts');
const START_TIMEOUT_MS = 60_000;

export const benchCourseKey = (blocks: number) => `course-v1:BenchX+Sync${blocks}+2024`;

/** Course sizes of a backfill, from 300 to 3,000 blocks; course n has BACKFILL_SIZES[n % 10] blocks. */
export const BACKFILL_SIZES = [300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700, 3000];
export const backfillCourseKey = (n: number) => `course-v1:BackfillX+C${n}+2024`;

/** Starts the test LMS in its own process, serving one synthetic course per size (see lms-host.ts). */
export function startLmsPeer(sizes: readonly number[]): Promise<LmsPeer> {
  return startHost(HOST, [sizes.join(',')]);
}

/** Starts the test LMS answering for thousands of backfill courses (see lms-backfill-host.ts). */
export function startBackfillLmsPeer(): Promise<LmsPeer> {
  return startHost(BACKFILL_HOST, []);
}

function startHost(script: string, args: string[]): Promise<LmsPeer> {
  const child = fork(script, args, {
    execArgv: process.execArgv.filter((a) => a !== '--expose-gc'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.disconnect();
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the test LMS did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.once('message', (ready: LmsHostReady) => {
      clearTimeout(timer);
      resolve({ ...ready, close });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the test LMS exited before it was ready (${signal ?? `code ${code}`})`));
    });
  });
}
