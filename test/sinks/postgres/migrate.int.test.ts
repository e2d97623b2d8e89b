import { serverDatabase } from './support/databases.js';
import { migrateCases } from './support/migrate-cases.js';

migrateCases(serverDatabase);
