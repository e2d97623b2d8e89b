import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFromCourseDetail } from '../../../src/sinks/postgres/catalog-input.js';
import { syncCourseRun } from '../../../src/sinks/postgres/catalog.js';
import { migrate } from '../../../src/sinks/postgres/migrate.js';
import { catalogCases } from './support/catalog-cases.js';
import { serverDatabase, type TestDatabase } from './support/databases.js';

catalogCases(serverDatabase);

async function waitUntilABackendWaitsForALock(db: TestDatabase): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await db.sql.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if (rows[0]?.n !== '0') return;
    if (Date.now() > deadline) throw new Error('the sync never blocked on the uncommitted course');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('catalog sync racing another writer on a server', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await serverDatabase();
    await migrate(db.sql);
  });
  afterAll(() => db.drop());

  it('finds a course that another transaction committed while the sync waited for it', async () => {
    const key = 'course-v1:MITx+Race+1T2025';
    const other = await db.connect();
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    let inserted!: () => void;
    const courseInserted = new Promise<void>((resolve) => (inserted = resolve));
    const writer = other.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO courses (readable_id, title, description, edx_description, thumbnail, edx_thumbnail)
         VALUES ('course-v1:MITx+Race', 'Toy', NULL, NULL, NULL, NULL)`,
      );
      inserted();
      await committed;
    });
    await courseInserted;
    // The sync's INSERT blocks on the uncommitted row; once it commits, the course is found, not duplicated.
    const sync = syncCourseRun(
      db.sql,
      runFromCourseDetail({
        id: key,
        name: 'Toy',
        number: 'Race',
        org: 'MITx',
        start: '2025-01-01T00:00:00Z',
        pacing: 'self',
      }),
    );
    await waitUntilABackendWaitsForALock(db);
    commit();
    await writer;
    expect(await sync).toMatchObject({ course: 'unchanged', run: 'created' });
    const { rows } = await db.sql.query<{ n: string }>(
      "SELECT count(*) AS n FROM courses WHERE readable_id = 'course-v1:MITx+Race'",
    );
    expect(rows[0]?.n).toBe('1');
  });
});
