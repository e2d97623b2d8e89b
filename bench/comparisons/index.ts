import type { ComparisonCase } from '../comparison.js';
import { decodeThroughputCase } from './decode-throughput.js';
import { exportBuildCase } from './export-build.js';
import { syncCases } from './lms-sync.js';
import { peakRssCase } from './peak-rss.js';
import { stormCases } from './storms.js';

/** The target rows, printed first and in this order. */
export const COMPARISON_CASES: readonly ComparisonCase[] = [
  ...syncCases,
  ...stormCases,
  decodeThroughputCase,
  peakRssCase,
  exportBuildCase,
];
