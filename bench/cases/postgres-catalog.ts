import type { CourseSnapshot } from '../../src/openedx/api-types.js';
import { migrate } from '../../src/sinks/postgres/migrate.js';
import { openPostgres } from '../../src/sinks/postgres/open.js';
import { PostgresCatalogSink } from '../../src/sinks/postgres/sink.js';
import type { CatalogOutcome } from '../../src/sync/ports.js';
import { syntheticSnapshot } from '../../test/support/synthetic-course.js';
import type { BenchCase } from '../case.js';

const COURSES = 200;

function courses(run: string): CourseSnapshot[] {
  return Array.from({ length: COURSES }, (_, i) =>
    syntheticSnapshot({ blocks: 1, courseKey: `course-v1:BenchX+C${i}+${run}` }),
  );
}

/** Opens and migrates PGlite under the case's data dir; syncs the given snapshots once per run. */
async function catalogSession(dataDir: string, snapshotsOf: (run: number) => CourseSnapshot[]) {
  const sql = await openPostgres({ dataDir });
  await migrate(sql);
  const sink = new PostgresCatalogSink(sql);
  const outcomes = new Map<CatalogOutcome, number>();
  return {
    sink,
    work: { count: COURSES, unit: 'syncs' },
    async run(run: number) {
      outcomes.clear();
      for (const snapshot of snapshotsOf(run)) {
        const outcome = await sink.syncFromDetail(snapshot);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    },
    note: () => [...outcomes].map(([outcome, n]) => `${n} ${outcome}`).join(', ') + ' per run',
    teardown: () => sql.close(),
  };
}

export const catalogCreateCase: BenchCase = {
  name: 'postgres.catalog.create',
  description: 'PostgresCatalogSink.syncFromDetail on PGlite: 200 courses seen for the first time',
  report: 'rate',
  warmup: 1,
  iterations: 8,
  async setup(dataDir) {
    // Every run brings 200 course runs the catalog has not seen yet, built here so that runs time only the sync.
    const byRun = Array.from({ length: this.warmup + this.iterations }, (_, run) => courses(`R${run}`));
    return catalogSession(dataDir, (run) => byRun[run]!);
  },
};

export const catalogUnchangedCase: BenchCase = {
  name: 'postgres.catalog.unchanged',
  description: 'PostgresCatalogSink.syncFromDetail on PGlite: 200 resyncs of courses that did not change',
  report: 'rate',
  warmup: 1,
  iterations: 8,
  async setup(dataDir) {
    const snapshots = courses('R0');
    const session = await catalogSession(dataDir, () => snapshots);
    for (const snapshot of snapshots) await session.sink.syncFromDetail(snapshot);
    return session;
  },
};
