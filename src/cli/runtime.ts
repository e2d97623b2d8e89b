import { loadConfig, type Config } from '../app/config.js';
import { createLogger, type Logger } from '../app/logger.js';
import { migrateStores, openStores, type Stores } from '../app/stores.js';

export interface Runtime {
  config: Config;
  logger: Logger;
}

/** Config is read once per process, here; a bad variable surfaces as a ConfigError (exit 2). */
export function loadRuntime(
  stream: 'stdout' | 'stderr' = 'stderr',
  env: NodeJS.ProcessEnv = process.env,
): Runtime {
  const config = loadConfig(env);
  return { config, logger: createLogger(config.logLevel, { stream }) };
}

/**
 * Opens both stores and brings their schema up to date first: migrations are idempotent and locked,
 * so every command can run them and a fresh DATA_DIR works without a separate `migrate`.
 */
export async function withStores<T>(runtime: Runtime, fn: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = await openStores(runtime.config, runtime.logger);
  try {
    await migrateStores(stores, runtime.config, runtime.logger);
    return await fn(stores);
  } finally {
    await stores.close();
  }
}
