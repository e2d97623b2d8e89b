import { outageScenario } from '../outage.js';

export const scenario = outageScenario('kafka', 'broker-down');
