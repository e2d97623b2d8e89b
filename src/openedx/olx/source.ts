import { createReadStream, constants } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { OlxPathError, OlxReadError } from './errors.js';
import { ReadBudget, olxLimits, type OlxLimits } from './limits.js';
import { checkRelativePath, isInside } from './paths.js';

/** Read access to the files of one course export, with paths relative to the folder holding course.xml. */
export interface ExportFiles {
  /** Where the export came from, for messages. */
  origin: string;
  /** The limits this export is read under; the tree reader enforces the block ones. */
  limits: OlxLimits;
  read(relPath: string): Promise<string | undefined>;
  /** Names of the files directly inside `relDir` (empty when the folder is absent). */
  list(relDir: string): Promise<string[]>;
}

/**
 * Opens a Studio export: an unpacked folder, or the `.tar.gz` Studio downloads (one top folder inside).
 * Nothing outside the export is ever read: see `directoryFiles` and `tarballFiles`.
 */
export async function openExport(location: string, limits: Partial<OlxLimits> = {}): Promise<ExportFiles> {
  const info = await stat(location);
  if (info.isDirectory()) return directoryFiles(location, olxLimits(limits));
  return tarballFiles(location, olxLimits(limits));
}

/**
 * Every path is resolved (realpath) and must lie inside the folder's own resolved root, so a symbolic
 * link (of a file or of a folder on the way) cannot lead out; a file with more than one hard link is
 * refused, because a hard link to a file elsewhere looks like any file of the folder.
 */
async function directoryFiles(root: string, limits: OlxLimits): Promise<ExportFiles> {
  const realRoot = await realpath(root);
  const budget = new ReadBudget(limits, root);
  const resolve = async (relPath: string): Promise<string | undefined> => {
    const rel = checkRelativePath(relPath, root);
    let real: string;
    try {
      real = await realpath(path.join(realRoot, rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (!isInside(realRoot, real)) {
      throw new OlxPathError(
        `${root}/${rel} leads outside the export folder (a symbolic link); it was not read — ` +
          'replace the link with the file itself, or re-export the course from Studio',
      );
    }
    return real;
  };
  return {
    origin: root,
    limits,
    async read(relPath) {
      const real = await resolve(relPath);
      if (real === undefined) return undefined;
      // O_NOFOLLOW: a link swapped in after the check is refused rather than followed.
      const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const info = await handle.stat();
        if (!info.isFile()) return undefined;
        if (info.nlink > 1) {
          throw new OlxPathError(
            `${root}/${relPath} has ${info.nlink} hard links, so it may be a file from outside the export; ` +
              'it was not read — copy the export without hard links (e.g. unpack it again)',
          );
        }
        budget.textFile(relPath, info.size);
        const bytes = await handle.readFile();
        // A file that grew after the check is still held to the limit.
        if (bytes.length > info.size) budget.textFile(relPath, bytes.length);
        return bytes.toString('utf8');
      } finally {
        await handle.close();
      }
    },
    async list(relDir) {
      const real = await resolve(relDir);
      if (real === undefined) return [];
      try {
        const entries = await readdir(real, { withFileTypes: true });
        return entries.filter((e) => e.isFile()).map((e) => e.name);
      } catch (err) {
        if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return [];
        throw err;
      }
    },
  };
}

/** Only text files matter for the outline; static assets are skipped without being buffered. */
const TEXT_FILE = /\.(xml|html|json)$/;
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Reads the archive's text files into memory. Entries that are links, devices or FIFOs, or whose path is
 * absolute or climbs out with `..`, stop the read with an error naming the entry: a Studio export holds
 * none, and an extractor that honoured them would write or read outside its folder.
 */
function readArchive(file: string, budget: ReadBudget): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const contents = new Map<string, string>();
    const input = createReadStream(file);
    const parser = new tar.Parser({ strict: true });
    let archiveBytes = 0;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      input.destroy();
      reject(err);
    };
    const refuse = (name: string, why: string) =>
      new OlxPathError(
        `${file}: archive entry "${name}" ${why}; a Studio export holds none, so nothing was extracted — ` +
          're-export the course from Studio',
      );
    parser.on('entry', (entry: tar.ReadEntry) => {
      if (settled) return entry.resume();
      try {
        const name = checkRelativePath(entry.path, `${file}: archive entry`);
        if (entry.type === 'SymbolicLink')
          throw refuse(entry.path, `is a symbolic link to "${entry.linkpath}"`);
        if (entry.type === 'Link') throw refuse(entry.path, `is a hard link to "${entry.linkpath}"`);
        if (entry.type !== 'Directory' && !FILE_TYPES.has(entry.type))
          throw refuse(entry.path, `is a ${entry.type}, not a file or folder`);
        archiveBytes += entry.size ?? 0;
        if (archiveBytes > budget.limits.maxArchiveBytes)
          throw budget.exceeded(
            `its entries hold more than ${budget.limits.maxArchiveBytes} bytes uncompressed`,
          );
        if (entry.type === 'Directory' || !TEXT_FILE.test(name)) {
          if (entry.type !== 'Directory') budget.file(name);
          return entry.resume();
        }
        budget.textFile(name, entry.size ?? 0);
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => contents.set(name, Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        entry.resume();
        fail(err);
      }
    });
    parser.on('error', (err: Error) =>
      fail(
        new OlxReadError(`${file} is not a readable .tar.gz course export: ${err.message}`, { cause: err }),
      ),
    );
    input.on('error', fail);
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(contents);
    });
    input.pipe(parser);
  });
}

async function tarballFiles(file: string, limits: OlxLimits): Promise<ExportFiles> {
  const contents = await readArchive(file, new ReadBudget(limits, file));
  const courseXml = [...contents.keys()]
    .filter((name) => name === 'course.xml' || name.endsWith('/course.xml'))
    .sort((a, b) => a.split('/').length - b.split('/').length)[0];
  if (courseXml === undefined)
    throw new OlxReadError(`${file} holds no course.xml: is it a Studio course export?`);
  const prefix = courseXml.slice(0, -'course.xml'.length);
  const files = new Map<string, string>();
  for (const [name, text] of contents)
    if (name.startsWith(prefix)) files.set(name.slice(prefix.length), text);
  return {
    origin: file,
    limits,
    read: async (relPath) => files.get(checkRelativePath(relPath, file)),
    list: async (relDir) => {
      const dir = `${checkRelativePath(relDir, file)}/`;
      return [...files.keys()]
        .filter((n) => n.startsWith(dir) && !n.slice(dir.length).includes('/'))
        .map((n) => n.slice(dir.length));
    },
  };
}
