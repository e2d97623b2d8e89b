import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackfillProgressFile } from '../../src/app/backfill-progress-file.js';

describe('BackfillProgressFile', () => {
  it('remembers finished courses per selection across opens, and forgets them on restart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'backfill-'));
    const first = await BackfillProgressFile.open(dir, 'org:OpenedX', false);
    await Promise.all([
      first.markDone('course-v1:OpenedX+A+1'),
      first.markFailed('course-v1:OpenedX+B+1', 'boom'),
    ]);

    const again = await BackfillProgressFile.open(dir, 'org:OpenedX', false);
    expect(again.isDone('course-v1:OpenedX+A+1')).toBe(true);
    expect(again.isDone('course-v1:OpenedX+B+1')).toBe(false);

    const otherSelection = await BackfillProgressFile.open(dir, 'all', false);
    expect(otherSelection.isDone('course-v1:OpenedX+A+1')).toBe(false);

    const restarted = await BackfillProgressFile.open(dir, 'org:OpenedX', true);
    expect(restarted.isDone('course-v1:OpenedX+A+1')).toBe(false);
  });
});
