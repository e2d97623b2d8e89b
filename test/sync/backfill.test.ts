import { describe, expect, it } from 'vitest';
import { runBackfill, type BackfillProgressStore } from '../../src/sync/backfill.js';

function memoryProgress(done: string[] = []): BackfillProgressStore & { failed: Map<string, string> } {
  const finished = new Set(done);
  const failed = new Map<string, string>();
  return {
    failed,
    isDone: (key) => finished.has(key),
    markDone: async (key) => void finished.add(key),
    markFailed: async (key, error) => void failed.set(key, error),
  };
}

const keys = Array.from({ length: 10 }, (_, i) => `course-v1:Org+C${i}+R`);

describe('runBackfill', () => {
  it('syncs every course with at most `concurrency` at once', async () => {
    let active = 0;
    let peak = 0;
    const report = await runBackfill({
      courseKeys: keys,
      concurrency: 3,
      progress: memoryProgress(),
      sync: async () => {
        peak = Math.max(peak, ++active);
        await new Promise((r) => setImmediate(r));
        active--;
      },
    });
    expect(report).toEqual({ total: 10, synced: 10, skipped: 0, failed: [] });
    expect(peak).toBe(3);
  });

  it('records a failing course and goes on with the others', async () => {
    const progress = memoryProgress();
    const report = await runBackfill({
      courseKeys: keys,
      concurrency: 2,
      progress,
      sync: async (key) => {
        if (key.includes('+C4+')) throw new Error('LMS answered 500');
      },
    });
    expect(report.synced).toBe(9);
    expect(report.failed).toEqual([{ courseKey: 'course-v1:Org+C4+R', error: 'LMS answered 500' }]);
    expect(progress.failed.get('course-v1:Org+C4+R')).toBe('LMS answered 500');
  });

  it('skips courses an earlier run finished, so a rerun resumes', async () => {
    const synced: string[] = [];
    const report = await runBackfill({
      courseKeys: keys,
      concurrency: 4,
      progress: memoryProgress(keys.slice(0, 7)),
      sync: async (key) => void synced.push(key),
    });
    expect(report.skipped).toBe(7);
    expect(synced.sort()).toEqual(keys.slice(7).sort());
  });
});

describe('runBackfill when things go wrong around the syncs', () => {
  it('keeps going when progress cannot be saved', async () => {
    const report = await runBackfill({
      courseKeys: keys.slice(0, 3),
      concurrency: 1,
      progress: {
        isDone: () => false,
        markDone: async () => Promise.reject(new Error('disk full')),
        markFailed: async () => Promise.reject(new Error('disk full')),
      },
      sync: async (key) => {
        if (key.includes('+C1+')) throw new Error('boom');
      },
    });
    expect(report.synced).toBe(2);
    expect(report.failed.map((f) => f.courseKey)).toEqual(['course-v1:Org+C1+R']);
  });

  it('starts no more courses once interrupted', async () => {
    const abort = new AbortController();
    const synced: string[] = [];
    const report = await runBackfill({
      courseKeys: keys,
      concurrency: 1,
      progress: memoryProgress(),
      signal: abort.signal,
      sync: async (key) => {
        synced.push(key);
        if (synced.length === 2) abort.abort();
      },
    });
    expect(synced).toHaveLength(2);
    expect(report.synced).toBe(2);
  });
});
