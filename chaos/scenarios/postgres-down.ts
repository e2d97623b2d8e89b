import { outageScenario } from '../outage.js';

export const scenario = outageScenario('postgres', 'postgres-down');
