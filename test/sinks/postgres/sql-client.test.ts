import { pgliteDatabase } from './support/databases.js';
import { sqlClientCases } from './support/sql-client-cases.js';

sqlClientCases(pgliteDatabase);
