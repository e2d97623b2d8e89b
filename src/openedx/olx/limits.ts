import { OlxLimitError } from './errors.js';

/**
 * How much of an export the reader accepts, so that a hostile or broken export fails with a clear error
 * instead of exhausting memory or time. The defaults leave room for a 100,000-block course: at least ten times
 * over for the counts, about twice over for the bytes at the demo course's 4.5 KB per file (Open edX's demo
 * course has 401 blocks in 676 files, 3 MB of OLX).
 */
export interface OlxLimits {
  /** Largest single XML, HTML or JSON file. */
  maxFileBytes: number;
  /** All XML, HTML and JSON files read, together. */
  maxTotalBytes: number;
  /** Every entry of a `.tar.gz`, uncompressed and static assets included. */
  maxArchiveBytes: number;
  /** Files read from a folder, or entries in an archive. */
  maxFiles: number;
  /** Block definitions read from the course tree (a block listed by several parents is read once). */
  maxBlocks: number;
  /** Nesting of blocks below the course (course → chapter → sequential → vertical → problem is 5). */
  maxDepth: number;
}

export const DEFAULT_OLX_LIMITS: Readonly<OlxLimits> = {
  maxFileBytes: 16 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxArchiveBytes: 8 * 1024 * 1024 * 1024,
  maxFiles: 2_000_000,
  maxBlocks: 1_000_000,
  maxDepth: 64,
};

export function olxLimits(overrides: Partial<OlxLimits> = {}): OlxLimits {
  return { ...DEFAULT_OLX_LIMITS, ...overrides };
}

/** What one read of one export has used so far, checked against its limits as files are read. */
export class ReadBudget {
  private files = 0;
  private bytes = 0;

  constructor(
    readonly limits: OlxLimits,
    private readonly origin: string,
  ) {}

  /** Accounts one text file of `size` bytes before it is read. */
  textFile(relPath: string, size: number): void {
    this.file(relPath);
    if (size > this.limits.maxFileBytes)
      throw this.exceeded(
        `${relPath} is ${size} bytes, more than the ${this.limits.maxFileBytes} allowed for one file`,
      );
    this.bytes += size;
    if (this.bytes > this.limits.maxTotalBytes)
      throw this.exceeded(`its XML, HTML and JSON files hold more than ${this.limits.maxTotalBytes} bytes`);
  }

  /** Accounts one file (or archive entry) that is not read. */
  file(relPath: string): void {
    if (++this.files > this.limits.maxFiles)
      throw this.exceeded(`it has more than ${this.limits.maxFiles} files (at ${relPath})`);
  }

  exceeded(what: string): OlxLimitError {
    return new OlxLimitError(
      `${this.origin} is larger than an OLX export may be: ${what}; check that it is the export Studio ` +
        `produced, and split the course if it really is this large (see "OLX input limits" in the README)`,
    );
  }
}
