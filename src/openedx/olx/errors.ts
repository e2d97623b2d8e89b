import { PermanentError } from '../../errors.js';

/** The export is not a readable Studio course export; re-export the course from Studio and try again. */
export class OlxReadError extends PermanentError {}

/**
 * The export reaches outside its own folder: a symbolic or hard link, an archive entry with an absolute
 * or `..` path, or a url_name that is a path rather than a name. Nothing outside the folder was read.
 */
export class OlxPathError extends OlxReadError {}

/** The course's blocks list each other as children in a loop, so the course has no tree to read. */
export class OlxCycleError extends OlxReadError {
  constructor(readonly blocks: string[]) {
    super(
      `the OLX course's blocks form a cycle: ${blocks.join(' → ')}; a block cannot contain itself — ` +
        `remove the repeated child from the last block's file and import the course again`,
    );
  }
}

/** The export is larger than the reader accepts (see "OLX input limits" in the README). */
export class OlxLimitError extends OlxReadError {}
