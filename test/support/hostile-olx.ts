/**
 * Hostile OLX exports, each built in a folder of its own: exports that try to read outside their folder,
 * that loop, that are too large or too deep, and hostile but valid ones the reader must accept. Used by
 * the OLX reader's tests and by the chaos suite's hostile-olx scenario.
 */
import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';

/** Text of every file planted outside a course folder; it must never appear in what the reader returns. */
export const OUTSIDE_MARKER = 'OUTSIDE-THE-COURSE-FOLDER-7f3a';

export type HostileExpectation = 'path' | 'cycle' | 'limit' | 'invalid' | 'accepted';

export interface HostileCase {
  name: string;
  /** What the reader must do: refuse with OlxPathError, OlxCycleError, OlxLimitError or OlxReadError, or read it. */
  expect: HostileExpectation;
  /** Builds the export under `dir` (an empty folder) and returns the location to read. */
  build(dir: string): Promise<string>;
}

type Files = Record<string, string | Buffer>;

const COURSE_XML = '<course url_name="Run" org="Hostile" course="OLX"/>';
const SECRET_XML = `<chapter display_name="${OUTSIDE_MARKER}"/>`;

/** A minimal valid export whose course lists `<chapter url_name="ch"/>`, plus `extra` files. */
function course(extra: Files = {}, courseBody = '<chapter url_name="ch"/>'): Files {
  return {
    'course.xml': COURSE_XML,
    'course/Run.xml': `<course display_name="Hostile">${courseBody}</course>`,
    ...extra,
  };
}

export async function writeFiles(root: string, files: Files): Promise<void> {
  for (const [rel, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), body);
  }
}

/** The secret a case plants next to its course folder, at `<dir>/outside/secret.xml`. */
async function plantSecret(dir: string): Promise<string> {
  await writeFiles(path.join(dir, 'outside'), {
    'secret.xml': SECRET_XML,
    'short_description.html': OUTSIDE_MARKER,
    'ch.xml': SECRET_XML,
  });
  return path.join(dir, 'outside', 'secret.xml');
}

async function folder(dir: string, files: Files): Promise<string> {
  const root = path.join(dir, 'course');
  await writeFiles(root, files);
  return root;
}

export interface RawEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link';
  body?: string;
  linkpath?: string;
}

/** A `.tar.gz` written header by header, so that it can hold entries no well-behaved packer writes. */
export async function rawTarGz(file: string, entries: RawEntry[]): Promise<string> {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const type = entry.type ?? 'File';
    const header = new tar.Header({
      path: entry.path,
      type,
      size: type === 'File' ? body.length : 0,
      linkpath: entry.linkpath,
      mode: type === 'Directory' ? 0o755 : 0o644,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
    });
    header.encode();
    blocks.push(header.block!);
    if (type === 'File' && body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  await writeFile(file, gzipSync(Buffer.concat(blocks)));
  return file;
}

/** `prefix/`-prefixed archive entries of a valid export. */
function archived(files: Files, prefix = 'course/'): RawEntry[] {
  return Object.entries(files).map(([rel, body]) => ({ path: `${prefix}${rel}`, body: body.toString() }));
}

/** n nested verticals, each in its own file: course → ch → v0 → v1 → … */
function nested(n: number): Files {
  const files: Files = course({ 'chapter/ch.xml': '<chapter><vertical url_name="v0"/></chapter>' });
  for (let i = 0; i < n; i++)
    files[`vertical/v${i}.xml`] =
      i + 1 < n ? `<vertical><vertical url_name="v${i + 1}"/></vertical>` : '<vertical/>';
  return files;
}

export const HOSTILE_CASES: HostileCase[] = [
  {
    name: 'symlinked block file leading outside',
    expect: 'path',
    async build(dir) {
      const secret = await plantSecret(dir);
      const root = await folder(dir, course());
      await mkdir(path.join(root, 'chapter'));
      await symlink(secret, path.join(root, 'chapter/ch.xml'));
      return root;
    },
  },
  {
    name: 'symlinked block file to /etc/passwd',
    expect: 'path',
    async build(dir) {
      const root = await folder(dir, course());
      await mkdir(path.join(root, 'chapter'));
      await symlink('/etc/passwd', path.join(root, 'chapter/ch.xml'));
      return root;
    },
  },
  {
    name: 'symlinked folder leading outside',
    expect: 'path',
    async build(dir) {
      await plantSecret(dir);
      const root = await folder(dir, course());
      await symlink(path.join(dir, 'outside'), path.join(root, 'chapter'));
      return root;
    },
  },
  {
    name: 'symlinked about folder leading outside',
    expect: 'path',
    async build(dir) {
      await plantSecret(dir);
      const root = await folder(dir, course({ 'chapter/ch.xml': '<chapter/>' }));
      await symlink(path.join(dir, 'outside'), path.join(root, 'about'));
      return root;
    },
  },
  {
    name: 'hard link to a file outside',
    expect: 'path',
    async build(dir) {
      const secret = await plantSecret(dir);
      const root = await folder(dir, course());
      await mkdir(path.join(root, 'chapter'));
      await link(secret, path.join(root, 'chapter/ch.xml'));
      return root;
    },
  },
  {
    name: 'url_name holding a ../ path',
    expect: 'path',
    async build(dir) {
      await plantSecret(dir);
      return folder(dir, course({}, '<chapter url_name="../../outside/secret"/>'));
    },
  },
  {
    name: 'url_name climbing out with ..: parts',
    expect: 'path',
    async build(dir) {
      await plantSecret(dir);
      return folder(dir, course({}, '<chapter url_name="..:..:outside:secret"/>'));
    },
  },
  {
    name: 'course.xml url_name climbing out',
    expect: 'path',
    async build(dir) {
      await plantSecret(dir);
      return folder(dir, {
        'course.xml': '<course url_name="..:outside:secret" org="Hostile" course="OLX"/>',
      });
    },
  },
  {
    name: 'archive entry that is a symbolic link',
    expect: 'path',
    build: (dir) =>
      rawTarGz(path.join(dir, 'export.tar.gz'), [
        ...archived(course()),
        { path: 'course/chapter/ch.xml', type: 'SymbolicLink', linkpath: '/etc/passwd' },
      ]),
  },
  {
    name: 'archive entry that is a hard link',
    expect: 'path',
    build: (dir) =>
      rawTarGz(path.join(dir, 'export.tar.gz'), [
        ...archived(course()),
        { path: 'course/chapter/ch.xml', type: 'Link', linkpath: '../../../../etc/passwd' },
      ]),
  },
  {
    name: 'archive entry with an absolute path',
    expect: 'path',
    build: (dir) =>
      rawTarGz(path.join(dir, 'export.tar.gz'), [
        ...archived(course({ 'chapter/ch.xml': '<chapter/>' })),
        { path: path.join(dir, 'planted.xml'), body: SECRET_XML },
      ]),
  },
  {
    name: 'archive entry with a ../ path',
    expect: 'path',
    build: (dir) =>
      rawTarGz(path.join(dir, 'export.tar.gz'), [
        ...archived(course({ 'chapter/ch.xml': '<chapter/>' })),
        { path: 'course/../../planted.xml', body: SECRET_XML },
      ]),
  },
  {
    name: 'block listing itself',
    expect: 'cycle',
    build: (dir) => folder(dir, course({ 'chapter/ch.xml': '<chapter><chapter url_name="ch"/></chapter>' })),
  },
  {
    name: 'two blocks listing each other',
    expect: 'cycle',
    build: (dir) =>
      folder(
        dir,
        course({
          'chapter/ch.xml': '<chapter><sequential url_name="a"/></chapter>',
          'sequential/a.xml': '<sequential><vertical url_name="b"/></sequential>',
          'vertical/b.xml': '<vertical><sequential url_name="a"/></vertical>',
        }),
      ),
  },
  {
    name: 'cycle deep in the tree, in an archive',
    expect: 'cycle',
    async build(dir) {
      const files = nested(20);
      files['vertical/v19.xml'] = '<vertical><vertical url_name="v7"/></vertical>';
      return rawTarGz(path.join(dir, 'export.tar.gz'), archived(files));
    },
  },
  {
    name: 'file larger than the file limit',
    expect: 'limit',
    build: (dir) =>
      folder(dir, course({ 'chapter/ch.xml': `<chapter display_name="${'x'.repeat(17 * 1024 * 1024)}"/>` })),
  },
  {
    name: 'archive entry larger than the file limit',
    expect: 'limit',
    build: (dir) =>
      rawTarGz(
        path.join(dir, 'export.tar.gz'),
        archived(course({ 'chapter/ch.xml': `<chapter display_name="${'x'.repeat(17 * 1024 * 1024)}"/>` })),
      ),
  },
  {
    name: 'blocks nested deeper than the depth limit',
    expect: 'limit',
    build: (dir) => folder(dir, nested(80)),
  },
  {
    name: 'XML nested deeper than the parser allows',
    expect: 'invalid',
    build: (dir) =>
      folder(
        dir,
        course({ 'chapter/ch.xml': `<chapter>${'<p>'.repeat(5000)}${'</p>'.repeat(5000)}</chapter>` }),
      ),
  },
  {
    name: '10,000 children in one unit',
    expect: 'accepted',
    build: (dir) =>
      folder(
        dir,
        course({
          'chapter/ch.xml': '<chapter><vertical url_name="wide"/></chapter>',
          'vertical/wide.xml': `<vertical>${Array.from({ length: 10_000 }, (_, i) => `<html url_name="h${i}" display_name="H${i}"/>`).join('')}</vertical>`,
        }),
      ),
  },
  {
    name: 'each block listed twice by its parent, 40 levels deep',
    expect: 'accepted',
    async build(dir) {
      const files = course({
        'chapter/ch.xml': '<chapter><vertical url_name="d0"/><vertical url_name="d0"/></chapter>',
      });
      for (let i = 0; i < 40; i++)
        files[`vertical/d${i}.xml`] =
          `<vertical><vertical url_name="d${i + 1}"/><vertical url_name="d${i + 1}"/></vertical>`;
      files['vertical/d40.xml'] = '<vertical/>';
      // Below the depth limit on purpose: only the repetition is hostile here.
      return folder(dir, files);
    },
  },
  {
    name: 'NUL, lone surrogates and a 10 KB name',
    expect: 'accepted',
    build: (dir) =>
      folder(
        dir,
        course({
          'chapter/ch.xml': '<chapter><html url_name="h"/></chapter>',
          'policies/Run/policy.json': JSON.stringify({
            'course/Run': { display_name: 'NUL\u0000 and \ud800 and 😀 <script>' },
            'chapter/ch': { display_name: 'L'.repeat(10 * 1024) },
            'html/h': { display_name: '\u202eRTL\u0000' },
          }),
          'about/short_description.html': 'NUL\u0000inside',
        }),
      ),
  },
];

/** The error class name each refusal must have. */
export const EXPECTED_ERROR: Record<Exclude<HostileExpectation, 'accepted'>, string> = {
  path: 'OlxPathError',
  cycle: 'OlxCycleError',
  limit: 'OlxLimitError',
  invalid: 'OlxReadError',
};
