/** Parsers for the command line's own arguments: a bad value is a usage error (exit 2) naming what is wrong. */
import { InvalidArgumentError } from 'commander';
import { CourseKey } from '../domain/keys.js';

/** A course key in its canonical spelling; the message says which part is malformed. */
export function parseCourseKey(value: string): string {
  try {
    return CourseKey.parse(value).toString();
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}
