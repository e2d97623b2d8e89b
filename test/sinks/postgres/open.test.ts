import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../../src/sinks/postgres/open.js';

describe('openPostgres without a URL', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'course-sink-open-')), 'not-yet-created');
  });
  afterEach(() => rm(path.dirname(dataDir), { recursive: true, force: true }));

  it('creates DATA_DIR/postgres and keeps what was written across a restart', async () => {
    const first = await openPostgres({ dataDir });
    await first.query('CREATE TABLE kept (v text)');
    await first.query('INSERT INTO kept (v) VALUES ($1)', ['survives']);
    await first.close();
    expect(await readdir(path.join(dataDir, 'postgres'))).toContain('PG_VERSION');

    const second = await openPostgres({ dataDir });
    const { rows } = await second.query<{ v: string }>('SELECT v FROM kept');
    await second.close();
    expect(rows).toEqual([{ v: 'survives' }]);
  });
});
