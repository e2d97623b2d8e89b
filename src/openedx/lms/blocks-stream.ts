/**
 * An incremental reader of the Blocks API answer (`return_type=dict`): `{"root": "…", "blocks": {"<id>":
 * {…}, …}}`, fed the body chunk by chunk. Each block's object is located by a byte scan (only `"`, `\`,
 * brackets and braces matter, and every one of them is ASCII, so a UTF-8 sequence split across chunks is
 * never misread) and handed over as soon as it is complete, parsed by the native `JSON.parse`: the answer
 * is never held whole, and no block is parsed by anything slower than JSON.parse.
 *
 * Purpose-built rather than a general streaming parser because the shape is fixed and shallow, and the
 * general ones build every value token by token in JavaScript, several times slower than JSON.parse on
 * answers of 70 MB. Top-level members other than `root` and `blocks` are skipped, as the schema did.
 */

/** The body is not JSON (or not a JSON object); says where, in bytes. */
export class BlocksSyntaxError extends Error {}

/** The body is JSON but not of the Blocks API's shape; `path` is where, as the schema issues name it. */
export class BlocksShapeError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface BlocksStreamHandlers {
  /** One block, parsed but not validated, under its key in `blocks`. */
  block(key: string, value: unknown): void;
}

const enum State {
  Start,
  TopKey,
  TopColon,
  TopValue,
  TopNext,
  BlocksKey,
  BlocksColon,
  BlocksValue,
  BlocksNext,
  Done,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

export class BlocksStreamReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Next byte to look at, in `buf`. */
  private pos = 0;
  /** Bytes dropped from the front of `buf` so far, for error positions. */
  private consumed = 0;
  private state = State.Start;
  private first = true;
  private topKey = '';
  private blockKey = '';
  private root: string | undefined;
  private sawBlocks = false;
  /** A value being scanned: where it started, and the scan's state where the last chunk ended. */
  private valueStart = -1;
  private scanAt = 0;
  private depth = 0;
  private inString = false;

  constructor(private readonly handlers: BlocksStreamHandlers) {}

  push(chunk: Uint8Array): void {
    const keep = this.valueStart >= 0 ? this.valueStart : this.pos;
    const rest = this.buf.subarray(keep);
    this.consumed += keep;
    this.buf = rest.length === 0 ? Buffer.from(chunk) : Buffer.concat([rest, chunk]);
    this.pos -= keep;
    if (this.valueStart >= 0) {
      this.scanAt -= keep;
      this.valueStart = 0;
    }
    this.run();
  }

  /** The end of the body: returns the root, or throws when the body stopped short or lacks a member. */
  end(): { root: string } {
    if (this.state !== State.Done) {
      // A bare number or literal at the very end is complete only now.
      this.run(true);
      if ((this.state as State) !== State.Done)
        throw this.syntax('the body ends before the JSON object does');
    }
    if (this.root === undefined) throw new BlocksShapeError('root', 'expected string, received undefined');
    if (!this.sawBlocks) throw new BlocksShapeError('blocks', 'expected record, received undefined');
    return { root: this.root };
  }

  private run(atEnd = false): void {
    const buf = this.buf;
    for (;;) {
      if (this.valueStart < 0) {
        while (this.pos < buf.length && isSpace(buf[this.pos]!)) this.pos++;
        if (this.pos >= buf.length) return;
      }
      const b = buf[this.pos]!;
      switch (this.state) {
        case State.Start:
          if (this.consumed + this.pos === 0 && b === 0xef) {
            // A UTF-8 byte order mark, which Response.text() would have dropped too.
            if (buf.length < 3) return;
            this.pos += 3;
            continue;
          }
          if (b !== OPEN_BRACE) throw this.syntax('expected a JSON object');
          this.pos++;
          this.state = State.TopKey;
          this.first = true;
          continue;
        case State.TopKey:
        case State.BlocksKey: {
          const top = this.state === State.TopKey;
          if (b === CLOSE_BRACE && this.first) {
            this.pos++;
            this.state = top ? State.Done : State.TopNext;
            continue;
          }
          if (b !== QUOTE) throw this.syntax('expected a member name');
          const end = this.scan(atEnd);
          if (end < 0) return;
          const key = this.take<string>(end);
          if (top) this.topKey = key;
          else this.blockKey = key;
          this.state = top ? State.TopColon : State.BlocksColon;
          continue;
        }
        case State.TopColon:
        case State.BlocksColon:
          if (b !== COLON) throw this.syntax("expected ':'");
          this.pos++;
          this.state = this.state === State.TopColon ? State.TopValue : State.BlocksValue;
          continue;
        case State.TopValue: {
          if (this.topKey === 'blocks' && this.valueStart < 0 && b === OPEN_BRACE) {
            this.pos++;
            this.sawBlocks = true;
            this.state = State.BlocksKey;
            this.first = true;
            continue;
          }
          const end = this.scan(atEnd);
          if (end < 0) return;
          const value = this.take(end);
          if (this.topKey === 'blocks')
            throw new BlocksShapeError('blocks', `expected record, received ${typeName(value)}`);
          if (this.topKey === 'root') {
            if (typeof value !== 'string')
              throw new BlocksShapeError('root', `expected string, received ${typeName(value)}`);
            if (value === '')
              throw new BlocksShapeError('root', 'Too small: expected string to have >=1 characters');
            this.root = value;
          }
          // Other members are parsed too, so a malformed one is refused as JSON.parse refused the whole body.
          this.state = State.TopNext;
          continue;
        }
        case State.BlocksValue: {
          const end = this.scan(atEnd);
          if (end < 0) return;
          this.handlers.block(this.blockKey, this.take(end));
          this.state = State.BlocksNext;
          continue;
        }
        case State.TopNext:
        case State.BlocksNext: {
          const top = this.state === State.TopNext;
          this.pos++;
          if (b === COMMA) {
            this.state = top ? State.TopKey : State.BlocksKey;
            this.first = false;
          } else if (b === CLOSE_BRACE) {
            this.state = top ? State.Done : State.TopNext;
          } else {
            this.pos--;
            throw this.syntax("expected ',' or '}'");
          }
          continue;
        }
        case State.Done:
          throw this.syntax('unexpected data after the JSON object');
      }
    }
  }

  /**
   * Finds the end (exclusive) of the JSON value starting at `pos`, resuming where the previous chunk ended;
   * -1 when the value goes on past the bytes received so far. Strings are jumped over with indexOf.
   */
  private scan(atEnd: boolean): number {
    const buf = this.buf;
    if (this.valueStart < 0) {
      this.valueStart = this.pos;
      this.scanAt = this.pos;
      this.depth = 0;
      this.inString = false;
      const b = buf[this.pos]!;
      if (b !== QUOTE && b !== OPEN_BRACE && b !== OPEN_BRACKET) {
        // A number or a literal: it ends at the first structural character or space.
        let i = this.pos;
        while (i < buf.length) {
          const c = buf[i]!;
          if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
          i++;
        }
        if (i >= buf.length && !atEnd) {
          this.valueStart = -1;
          return -1;
        }
        this.valueStart = -1;
        return i;
      }
    }
    let i = this.scanAt;
    let depth = this.depth;
    let inString = this.inString;
    const n = buf.length;
    while (i < n) {
      if (inString) {
        const q = buf.indexOf(QUOTE, i);
        if (q < 0) {
          i = n;
          break;
        }
        let slashes = 0;
        for (let k = q - 1; k >= i && buf[k] === BACKSLASH; k--) slashes++;
        // An escaped quote's backslash may sit before `i` (the previous stop); count back from the quote.
        if (slashes === q - i)
          for (let k = i - 1; k > this.valueStart && buf[k] === BACKSLASH; k--) slashes++;
        i = q + 1;
        if (slashes % 2 === 0) {
          inString = false;
          if (depth === 0) {
            this.valueStart = -1;
            return i;
          }
        }
        continue;
      }
      const c = buf[i++]!;
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          this.valueStart = -1;
          return i;
        }
      }
    }
    this.scanAt = i;
    this.depth = depth;
    this.inString = inString;
    return -1;
  }

  /** Parses the value from `pos` to `end` and moves past it. */
  private take<T = unknown>(end: number): T {
    const start = this.pos;
    this.pos = end;
    try {
      return JSON.parse(this.buf.toString('utf8', start, end)) as T;
    } catch (err) {
      this.pos = start;
      throw this.syntax((err as Error).message);
    }
  }

  private syntax(problem: string): BlocksSyntaxError {
    return new BlocksSyntaxError(`${problem} (at byte ${this.consumed + this.pos})`);
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
