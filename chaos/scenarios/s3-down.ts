import { outageScenario } from '../outage.js';

export const scenario = outageScenario('s3', 's3-down');
