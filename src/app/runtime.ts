/**
 * The process's configuration and logger, made once: config is read from the environment here and nowhere
 * else, and a bad variable surfaces as a ConfigError (exit 2) before anything is opened.
 */
import { loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';

export interface Runtime {
  config: Config;
  logger: Logger;
}

/** Long-running services log to stdout; one-shot commands to stderr, so stdout holds their result. */
export function loadRuntime(
  stream: 'stdout' | 'stderr' = 'stderr',
  env: NodeJS.ProcessEnv = process.env,
): Runtime {
  const config = loadConfig(env);
  return { config, logger: createLogger(config.logLevel, { stream }) };
}
