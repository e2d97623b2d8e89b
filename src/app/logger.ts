/** Builds the process's pino logger: JSON lines, ISO times, and every secret in the config censored. */
import { pino, type DestinationStream, type Logger } from 'pino';
import { SECRET_PATHS, type Config } from './config.js';

export type { Logger };

export interface LoggerOptions {
  base?: Record<string, unknown>;
  /** Long-running services log to stdout; one-shot commands log to stderr so stdout holds their result. */
  stream?: 'stdout' | 'stderr';
  /** Overrides `stream`, e.g. to capture lines in tests. */
  destination?: DestinationStream;
}

/** JSON logs; secrets are censored wherever a config object is logged. */
export function createLogger(level: Config['logLevel'] = 'info', options: LoggerOptions = {}): Logger {
  return pino(
    {
      level,
      base: { service: 'course-sink', ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [...SECRET_PATHS, ...SECRET_PATHS.map((p) => `config.${p}`), '*.authorization', 'password'],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination({ fd: options.stream === 'stderr' ? 2 : 1, sync: true }),
  );
}
