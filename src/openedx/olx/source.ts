import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { OlxReadError } from './errors.js';

/** Read access to the files of one course export, with paths relative to the folder holding course.xml. */
export interface ExportFiles {
  /** Where the export came from, for messages. */
  origin: string;
  read(relPath: string): Promise<string | undefined>;
  /** Names of the files directly inside `relDir` (empty when the folder is absent). */
  list(relDir: string): Promise<string[]>;
}

/** Opens a Studio export: an unpacked folder, or the `.tar.gz` Studio downloads (one top folder inside). */
export async function openExport(location: string): Promise<ExportFiles> {
  const info = await stat(location);
  if (info.isDirectory()) return directoryFiles(location);
  return tarballFiles(location);
}

function directoryFiles(root: string): ExportFiles {
  return {
    origin: root,
    async read(relPath) {
      try {
        return await readFile(path.join(root, relPath), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async list(relDir) {
      try {
        const entries = await readdir(path.join(root, relDir), { withFileTypes: true });
        return entries.filter((e) => e.isFile()).map((e) => e.name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
  };
}

/** Only text files matter for the outline; static assets are skipped without being buffered. */
const TEXT_FILE = /\.(xml|html|json)$/;

async function tarballFiles(file: string): Promise<ExportFiles> {
  const contents = new Map<string, string>();
  await tar.t({
    file,
    onReadEntry: (entry) => {
      const name = entry.path.replace(/^\.\//, '');
      if (entry.type !== 'File' || !TEXT_FILE.test(name)) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => contents.set(name, Buffer.concat(chunks).toString('utf8')));
    },
  });
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
    read: async (relPath) => files.get(relPath),
    list: async (relDir) => {
      const dir = relDir.endsWith('/') ? relDir : `${relDir}/`;
      return [...files.keys()]
        .filter((n) => n.startsWith(dir) && !n.slice(dir.length).includes('/'))
        .map((n) => n.slice(dir.length));
    },
  };
}
