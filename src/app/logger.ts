import { pino, type Logger } from 'pino';
import { SECRET_PATHS, type Config } from './config.js';

export type { Logger };

/** JSON logs on stdout; secrets are censored wherever a config object is logged. */
export function createLogger(level: Config['logLevel'] = 'info', base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'course-sink', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [...SECRET_PATHS, ...SECRET_PATHS.map((p) => `config.${p}`), '*.authorization', 'password'],
      censor: '[redacted]',
    },
  });
}
