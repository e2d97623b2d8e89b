import type { ComparisonCase } from '../comparison.js';
import { timePairs } from '../paired.js';
import { median } from '../stats.js';
import { openBenchClickHouse } from './clickhouse-target.js';
import { startLmsPeer } from './lms-peer.js';
import { SyncRig } from './sync-rig.js';

/** A small course synced first on both paths, so that the token, connections and JIT are warm for the timed runs. */
export const WARMUP_BLOCKS = 1_000;

function syncCase(blocks: number, label: string, warmupPairs: number, pairs: number): ComparisonCase {
  return {
    name: `sync.lms-to-clickhouse.${label}`,
    description:
      `LmsClient.getSnapshot → buildOutline → ClickHouseCourseSink.writeCourse of a ${label}-block course from ` +
      'the test LMS, vs fetch of the same two requests + raw INSERT … FORMAT JSONEachRow of precomputed rows',
    target: { kind: 'ratio-at-most', limit: 1.15 },
    async measure(dataDir) {
      const lms = await startLmsPeer(blocks === WARMUP_BLOCKS ? [blocks] : [WARMUP_BLOCKS, blocks]);
      const clickhouse = await openBenchClickHouse(dataDir);
      try {
        const rig = new SyncRig(clickhouse, lms);
        const warm = await rig.prepareBaseline(WARMUP_BLOCKS);
        // Every run writes a whole new dump, as a changed course does: an unchanged one would write nothing.
        const before = (side: 'figure' | 'baseline') =>
          side === 'figure' ? clickhouse.forgetDumps() : undefined;
        await timePairs({
          warmup: warmupPairs,
          iterations: 0,
          before,
          figure: () => rig.realSync(WARMUP_BLOCKS),
          baseline: () => rig.baselineSync(warm),
        });
        const prepared = blocks === WARMUP_BLOCKS ? warm : await rig.prepareBaseline(blocks);
        const retriesBefore = rig.retries.length;
        let rows = 0;
        const fetchMs: number[] = [];
        const insertMs: number[] = [];
        const times = await timePairs({
          warmup: 0,
          iterations: pairs,
          before,
          figure: async () => {
            rows = await rig.realSync(blocks);
          },
          baseline: async () => {
            const t = await rig.baselineSync(prepared);
            fetchMs.push(t.fetchMs);
            insertMs.push(t.insertMs);
          },
        });
        if (rows !== prepared.rowCount)
          throw new Error(
            `the real sync wrote ${rows} rows, the baseline ${prepared.rowCount}: not the same work`,
          );
        const retries = rig.retries.slice(retriesBefore);
        const split = `fetch ${median(fetchMs).toFixed(0)} ms + insert ${median(insertMs).toFixed(0)} ms`;
        return {
          name: this.name,
          figure: { value: times.figureMedianMs, unit: 'ms', samples: times.figureMs },
          baseline: { value: times.baselineMedianMs, unit: 'ms', samples: times.baselineMs },
          ratio: times.figureMedianMs / times.baselineMedianMs,
          details: {
            clickhouse: clickhouse.describe,
            rowsPerSync: rows,
            baselineFetchMs: fetchMs,
            baselineInsertMs: insertMs,
            lmsRetriesDuringTimedRuns: retries,
          },
          note:
            `${clickhouse.describe}, ${rows.toLocaleString('en-US')} rows per sync; baseline ${split} (medians)` +
            (retries.length > 0
              ? `; the LMS client retried ${retries.length} request(s): ${retries[0]}`
              : ''),
        };
      } finally {
        await clickhouse.close();
        await lms.close();
      }
    },
  };
}

export const syncCases: ComparisonCase[] = [
  syncCase(1_000, '1k', 5, 15),
  syncCase(10_000, '10k', 2, 5),
  syncCase(100_000, '100k', 2, 3),
];
