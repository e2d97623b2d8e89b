import { PermanentError } from '../../errors.js';

/** The export is not a readable Studio course export; re-export the course from Studio and try again. */
export class OlxReadError extends PermanentError {
  override name = 'OlxReadError';
}
