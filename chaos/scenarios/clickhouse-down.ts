import { outageScenario } from '../outage.js';

export const scenario = outageScenario('clickhouse', 'clickhouse-down');
