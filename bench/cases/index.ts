import type { BenchCase } from '../case.js';
import { clickhouseDumpCase } from './clickhouse-dump.js';
import { clickhouseRowsCase } from './clickhouse-rows.js';
import { coalescerCase } from './coalescer.js';
import { decodeCase } from './decode.js';
import { archiveCases, manifestCase } from './exports.js';
import { outlineCases } from './outline.js';
import { catalogCreateCase, catalogUnchangedCase } from './postgres-catalog.js';

/** Every case, in the order the table lists them. */
export const ALL_CASES: readonly BenchCase[] = [
  ...outlineCases,
  clickhouseRowsCase,
  clickhouseDumpCase,
  decodeCase,
  coalescerCase,
  catalogCreateCase,
  catalogUnchangedCase,
  manifestCase,
  ...archiveCases,
];
