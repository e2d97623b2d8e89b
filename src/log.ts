/**
 * The one logger type every layer takes: pino's. A component that only reports takes `LogMethods`, the
 * four calls it makes (structural, so a pino logger fits and tests can hand it a recorder); src/app/logger.ts
 * builds the real one.
 */
import type { Logger } from 'pino';

export type { Logger };

type LogCall = (obj: object, msg: string) => void;

export interface LogMethods {
  debug: LogCall;
  info: LogCall;
  warn: LogCall;
  error: LogCall;
}
