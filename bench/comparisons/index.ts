import type { ComparisonCase } from '../comparison.js';
import { backfillCase } from './backfill.js';
import { decodeThroughputCase } from './decode-throughput.js';
import { exportBuildCase } from './export-build.js';
import { olxFootprintCase } from './olx-footprint.js';
import { syncCases } from './lms-sync.js';
import { rssRiseCases } from './peak-rss.js';
import { stormCases } from './storms.js';

/** The target rows, printed first and in this order. */
export const COMPARISON_CASES: readonly ComparisonCase[] = [
  ...syncCases,
  ...stormCases,
  decodeThroughputCase,
  ...rssRiseCases,
  backfillCase,
  olxFootprintCase,
  exportBuildCase,
];
