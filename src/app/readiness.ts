import type { Alarms } from '../alarms.js';
import type { BusConsumer } from '../bus/types.js';
import type { Config } from './config.js';
import type { ExportsRuntime } from './exports.js';
import type { ReadinessCheck } from './health.js';
import type { Stores } from './stores.js';

/** What /readyz asks: the consumer group is joined and every store answers. Each check is named in the body. */
export function readinessChecks(deps: {
  config: Config;
  stores: Stores;
  bus?: BusConsumer;
  exports?: ExportsRuntime;
  alarms?: Alarms;
}): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    {
      name: 'clickhouse',
      run: async () => {
        const ping = await deps.stores.clickhouse.client.ping();
        if (!ping.success) throw ping.error;
      },
    },
    {
      name: 'postgres',
      run: async () => {
        await deps.stores.postgres.query('SELECT 1');
      },
    },
  ];
  if (deps.bus) {
    const bus = deps.bus;
    checks.unshift({
      name: deps.config.bus.backend,
      run: async () => {
        if (!bus.health().joined) throw new Error('not a member of the consumer group yet (or lost it)');
      },
    });
  }
  if (deps.exports) {
    const store = deps.exports.store;
    checks.push({
      name: deps.config.s3 ? 's3' : 'exports-dir',
      run: async () => {
        await store.list('course-sink-readiness/');
      },
    });
  }
  if (deps.alarms) {
    const alarms = deps.alarms;
    // The stores may answer while events still cannot get through (a refused dead letter, rejected credentials).
    checks.push({
      name: 'progress',
      run: async () => {
        const active = alarms.list();
        if (active.length > 0)
          throw new Error(active.map((a) => `${a.message} (since ${a.since.toISOString()})`).join('; '));
      },
    });
  }
  return checks;
}
