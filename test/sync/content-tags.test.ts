import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openClickHouse } from '../../src/sinks/clickhouse/connection.js';
import { contentTagCases } from './support/content-tag-cases.js';

contentTagCases('embedded chdb', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'course-sink-tags-'));
  const conn = await openClickHouse({ user: 'default', dataDir });
  return {
    conn,
    dbt: true,
    close: async () => {
      await conn.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
