import { PermanentError } from '../errors.js';

/**
 * The permanent decode failure and its reasons, apart from the decoder so that framing, headers,
 * the registry and dead letters can raise and read it without importing the decoder.
 */

/** Why a message could not become a CourseEvent; written on its dead letter so operators can sort them. */
export type DecodeReason =
  | 'bad-framing'
  | 'unknown-schema-id'
  | 'schema-mismatch'
  | 'invalid-course-key'
  | 'unknown-event-type'
  | 'bad-headers';

/** A message that will never decode however often it is retried: it belongs in the dead-letter topic. */
export class DecodeError extends PermanentError {
  override name = 'DecodeError';
  constructor(
    readonly reason: DecodeReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
