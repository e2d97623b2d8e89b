import { catalogCases } from './support/catalog-cases.js';
import { pgliteDatabase } from './support/databases.js';

catalogCases(pgliteDatabase);
