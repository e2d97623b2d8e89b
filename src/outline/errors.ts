import { PermanentError } from '../errors.js';

/** The Blocks API response cannot form an outline at all; refetching will not help until the course changes. */
export class InvalidOutlineError extends PermanentError {
  constructor(
    readonly courseKey: string,
    reason: string,
  ) {
    super(
      `Cannot build the outline of course ${courseKey}: ${reason}. Republish the course in Studio, then resync it.`,
    );
  }
}

/** A block is its own ancestor: the published tree is corrupt, so no order can be given to it. */
export class OutlineCycleError extends InvalidOutlineError {
  constructor(
    courseKey: string,
    readonly block: string,
    readonly parent: string,
  ) {
    super(courseKey, `block ${block} is listed as a child of its own descendant ${parent}`);
  }
}
