import { pgliteDatabase } from './support/databases.js';
import { migrateCases } from './support/migrate-cases.js';

migrateCases(pgliteDatabase);
