import path from 'node:path';
import { isBlockId } from '../../domain/keys.js';
import { OlxPathError } from './errors.js';

/**
 * A path inside an export as the reader uses it: relative, `/`-separated, with no empty, `.` or `..`
 * part, so that joining it to the export's root can only name something below the root.
 */
export function checkRelativePath(relPath: string, where: string): string {
  const parts = relPath.split('/');
  if (
    relPath === '' ||
    path.posix.isAbsolute(relPath) ||
    path.win32.isAbsolute(relPath) ||
    relPath.includes('\\') ||
    relPath.includes('\0') ||
    parts.some((p) => p === '..')
  ) {
    throw new OlxPathError(
      `${where}: "${relPath}" is not a path inside the export (absolute, or climbing out with ".."); ` +
        'Studio exports hold only relative paths — re-export the course from Studio',
    );
  }
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

/**
 * The file a `url_name` points to: `<dir>/<url_name with ":" as "/"><ext>`, as edx-platform's
 * `name_to_pathname` maps it. A url_name is a name, never a path: it must be a valid block id, and none of
 * its `:`-separated parts may be empty, `.` or `..`.
 */
export function urlNameFile(dir: string, urlName: string, ext: string, where: string): string {
  const parts = urlName.split(':');
  if (!isBlockId(urlName) || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new OlxPathError(
      `${where}: url_name ${JSON.stringify(urlName)} is not a valid name (letters, digits and _ - ~ . : % only, ` +
        'no empty, "." or ".." part between colons); fix it in the export, or re-export the course from Studio',
    );
  }
  return `${dir}/${parts.join('/')}${ext}`;
}

/** Whether `target` is `root` or lies below it; both must be resolved (realpath) already. */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
