import { PermanentError } from '../errors.js';

/**
 * Open edX course and usage keys, following the grammar of openedx/opaque-keys (`locator.py`):
 * `course-v1:Org+Course+Run[+branch@B][+version@HEX]`, `block-v1:…+type@T+block@ID`, and the
 * deprecated forms `Org/Course/Run` and `i4x://org/course/category/name[@revision]`.
 * Python's Unicode `\w` (letters, numbers, underscore) is written `[\p{L}\p{N}_]` here.
 */

export class InvalidKeyError extends PermanentError {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(
      `Invalid Open edX key ${JSON.stringify(input)}: ${reason}. Check the key in the event or the command line.`,
    );
  }
}

const WORD = '\\p{L}\\p{N}_';
const ID = `[${WORD}\\-~.:]`;
const BLOCK_ID = `[${WORD}\\-~.:%]`;
/** A `+` that is followed by something, or the end of the input. */
const SEP = '(?:\\+(?=.)|$)';
const URL_RE = new RegExp(
  `^(?:(?<org>${ID}+)\\+(?<course>${ID}+)(?:\\+(?<run>${ID}+))?${SEP})??` +
    `(?:branch@(?<branch>${ID}+)${SEP})?` +
    `(?:version@(?<version>[a-f0-9]+)${SEP})?` +
    `(?:type@(?<type>${ID}+)${SEP})?` +
    `(?:block@(?<block>${BLOCK_ID}+))?$`,
  'u',
);
const ID_RE = new RegExp(`^${ID}+$`, 'u');
const BLOCK_ID_RE = new RegExp(`^${BLOCK_ID}+$`, 'u');

/** Whether `id` is a valid block id (`url_name`): letters, digits and `_ - ~ . : %` only. */
export function isBlockId(id: string): boolean {
  return BLOCK_ID_RE.test(id);
}
const DEPRECATED_PART_RE = new RegExp(`^[${WORD}.%\\-]+$`, 'u');
const DEPRECATED_NAME_RE = new RegExp(`^[${WORD}.:%\\-]+$`, 'u');
const DEPRECATED_USAGE_RE =
  /^i4x:\/\/(?<org>[^/]+)\/(?<course>[^/]+)\/(?<category>[^/]+)\/(?<name>[^@]+)(?:@(?<revision>[^/]+))?$/u;
/** A canonical block-v1 key without branch or version, which is already its own location. */
const PLAIN_BLOCK_RE = new RegExp(
  `^block-v1:${ID}+\\+${ID}+\\+${ID}+\\+type@${ID}+\\+block@${BLOCK_ID}+$`,
  'u',
);
/** A MongoDB ObjectId, which is what `version_guid` must be. */
const VERSION_RE = /^[a-f0-9]{24}$/;

export interface CourseKeyParts {
  org: string;
  course: string;
  run: string | null;
  branch?: string | null;
  version?: string | null;
  deprecated?: boolean;
}

export class CourseKey {
  readonly org: string;
  readonly course: string;
  /** null only for the course of a deprecated `i4x://` usage key, which carries no run. */
  readonly run: string | null;
  readonly branch: string | null;
  readonly version: string | null;
  /** Printed in the slash form `Org/Course/Run` rather than `course-v1:`. */
  readonly deprecated: boolean;

  constructor(parts: CourseKeyParts) {
    this.org = parts.org;
    this.course = parts.course;
    this.run = parts.run;
    this.branch = parts.branch ?? null;
    this.version = parts.version ?? null;
    this.deprecated = parts.deprecated ?? false;
    const shown = `${this.org}+${this.course}+${this.run ?? ''}`;
    const partRe = this.deprecated ? DEPRECATED_PART_RE : ID_RE;
    for (const [field, value] of [
      ['org', this.org],
      ['course', this.course],
      ['run', this.run],
    ] as const) {
      if (value === null && field === 'run' && this.deprecated) continue;
      if (value === null || !partRe.test(value))
        throw new InvalidKeyError(shown, `${field} ${JSON.stringify(value)} is not allowed`);
    }
    if (this.branch !== null && !ID_RE.test(this.branch))
      throw new InvalidKeyError(shown, `branch ${JSON.stringify(this.branch)} is not allowed`);
    if (this.version !== null && !VERSION_RE.test(this.version)) {
      throw new InvalidKeyError(
        shown,
        `version ${JSON.stringify(this.version)} is not a 24-digit hex ObjectId`,
      );
    }
  }

  static parse(input: string): CourseKey {
    if (input.startsWith('course-v1:')) {
      const m = URL_RE.exec(input.slice('course-v1:'.length));
      const g = m?.groups;
      if (!g || g.type !== undefined || g.block !== undefined)
        throw new InvalidKeyError(input, 'not of the form course-v1:Org+Course+Run');
      if (g.org === undefined || g.course === undefined || g.run === undefined) {
        throw new InvalidKeyError(
          input,
          'org, course and run are all required (version-only keys are not supported)',
        );
      }
      return rethrowing(
        input,
        () =>
          new CourseKey({
            org: g.org!,
            course: g.course!,
            run: g.run!,
            branch: g.branch,
            version: g.version,
          }),
      );
    }
    const parts = input.split('/');
    if (parts.length === 3 && parts.every((p) => DEPRECATED_PART_RE.test(p))) {
      return new CourseKey({ org: parts[0]!, course: parts[1]!, run: parts[2]!, deprecated: true });
    }
    throw new InvalidKeyError(input, 'expected course-v1:Org+Course+Run or Org/Course/Run');
  }

  static isValid(input: string): boolean {
    return tryParse(() => CourseKey.parse(input));
  }

  toString(): string {
    if (this.deprecated) {
      if (this.run === null)
        throw new InvalidKeyError(
          `${this.org}/${this.course}`,
          'a course key without a run cannot be printed; use withRun()',
        );
      return `${this.org}/${this.course}/${this.run}`;
    }
    let out = `course-v1:${this.org}+${this.course}+${this.run}`;
    if (this.branch !== null) out += `+branch@${this.branch}`;
    if (this.version !== null) out += `+version@${this.version}`;
    return out;
  }

  /** Like opaque-keys' `for_branch`: sets the branch and always drops the version. */
  forBranch(branch: string | null): CourseKey {
    return new CourseKey({ ...this, branch, version: null });
  }

  /** Fills in the run a deprecated usage key lacks (edx-platform's `fill_in_run`). */
  withRun(run: string): CourseKey {
    return new CourseKey({ ...this, run });
  }

  equals(other: CourseKey): boolean {
    return (
      this.org === other.org &&
      this.course === other.course &&
      this.run === other.run &&
      this.branch === other.branch &&
      this.version === other.version &&
      this.deprecated === other.deprecated
    );
  }
}

export class UsageKey {
  readonly courseKey: CourseKey;
  readonly blockType: string;
  readonly blockId: string;

  constructor(courseKey: CourseKey, blockType: string, blockId: string) {
    this.courseKey = courseKey;
    this.blockType = blockType;
    this.blockId = blockId;
    const shown = `${blockType}@${blockId}`;
    if (courseKey.deprecated) {
      if (!DEPRECATED_PART_RE.test(blockType))
        throw new InvalidKeyError(shown, `block type ${JSON.stringify(blockType)} is not allowed`);
      if (!DEPRECATED_NAME_RE.test(blockId))
        throw new InvalidKeyError(shown, `block id ${JSON.stringify(blockId)} is not allowed`);
    } else {
      if (courseKey.run === null)
        throw new InvalidKeyError(shown, 'a block-v1 key needs a course key with a run');
      if (!ID_RE.test(blockType))
        throw new InvalidKeyError(shown, `block type ${JSON.stringify(blockType)} is not allowed`);
      if (!BLOCK_ID_RE.test(blockId))
        throw new InvalidKeyError(shown, `block id ${JSON.stringify(blockId)} is not allowed`);
    }
  }

  static parse(input: string): UsageKey {
    if (input.startsWith('block-v1:')) {
      const g = URL_RE.exec(input.slice('block-v1:'.length))?.groups;
      if (!g || g.org === undefined || g.course === undefined || g.run === undefined) {
        throw new InvalidKeyError(input, 'not of the form block-v1:Org+Course+Run+type@T+block@ID');
      }
      if (g.type === undefined || g.block === undefined)
        throw new InvalidKeyError(input, 'missing type@ or block@');
      return rethrowing(input, () => {
        const course = new CourseKey({
          org: g.org!,
          course: g.course!,
          run: g.run!,
          branch: g.branch,
          version: g.version,
        });
        return new UsageKey(course, g.type!, g.block!);
      });
    }
    const g = DEPRECATED_USAGE_RE.exec(input)?.groups;
    if (g) {
      return rethrowing(input, () => {
        const course = new CourseKey({
          org: g.org!,
          course: g.course!,
          run: null,
          branch: g.revision,
          deprecated: true,
        });
        return new UsageKey(course, g.category!, g.name!);
      });
    }
    throw new InvalidKeyError(
      input,
      'expected block-v1:Org+Course+Run+type@T+block@ID or i4x://org/course/type/id',
    );
  }

  static isValid(input: string): boolean {
    return tryParse(() => UsageKey.parse(input));
  }

  toString(): string {
    const c = this.courseKey;
    if (c.deprecated)
      return `i4x://${c.org}/${c.course}/${this.blockType}/${this.blockId}${c.branch !== null ? `@${c.branch}` : ''}`;
    return `${usageKeyPrefixOf(c)}type@${this.blockType}+block@${this.blockId}`;
  }

  forBranch(branch: string | null): UsageKey {
    return new UsageKey(this.courseKey.forBranch(branch), this.blockType, this.blockId);
  }

  /** The key with branch and version stripped: what Aspects stores as `location`. */
  get location(): UsageKey {
    return this.forBranch(null);
  }

  equals(other: UsageKey): boolean {
    return (
      this.courseKey.equals(other.courseKey) &&
      this.blockType === other.blockType &&
      this.blockId === other.blockId
    );
  }
}

export function usageKeyFor(courseKey: CourseKey, blockType: string, blockId: string): UsageKey {
  return new UsageKey(courseKey, blockType, blockId);
}

/**
 * The usage key of a course's root block, which BlocksView takes in its path: `block@course` for
 * `course-v1` keys (split modulestore), the run for old-style keys (`i4x://Org/Course/course/Run`).
 */
export function courseRootUsageKey(courseKey: string): string {
  const key = CourseKey.parse(courseKey);
  return usageKeyFor(key, 'course', key.deprecated ? (key.run ?? '') : 'course').toString();
}

/**
 * What every usage key of the course begins with, in its canonical spelling: `block-v1:Org+Course+Run+`
 * (the branch and version too, when the key has them), or `i4x://org/course/` for an old-style course.
 */
export function usageKeyPrefix(courseKey: string): string {
  return usageKeyPrefixOf(CourseKey.parse(courseKey));
}

function usageKeyPrefixOf(c: CourseKey): string {
  return c.deprecated
    ? `i4x://${c.org}/${c.course}/`
    : `block-v1:${c.toString().slice('course-v1:'.length)}+`;
}

/** `location` string of any usage key string: branch and version stripped, canonical form. */
export function locationOf(usageKey: string): string {
  // Almost every key the LMS returns is already plain; skip building key objects for those.
  if (PLAIN_BLOCK_RE.test(usageKey)) return usageKey;
  return UsageKey.parse(usageKey).location.toString();
}

function rethrowing<T>(input: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    // Report the whole input rather than the one part that failed.
    if (err instanceof InvalidKeyError) throw new InvalidKeyError(input, err.reason);
    throw err;
  }
}

function tryParse(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (err) {
    if (err instanceof InvalidKeyError) return false;
    throw err;
  }
}
