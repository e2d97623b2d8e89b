import { randomBytes } from 'node:crypto';

/** Longest file-name stem in the archive; long titles would exceed common file-system limits. */
const MAX_STEM = 100;

/**
 * The original exporter's rule: every character that is not a letter or digit becomes `_`. That also
 * removes `/`, `\`, `.` and `:`, so a stem can never be `..`, a path or a drive. An empty title gets a name.
 */
export function safeStem(name: string): string {
  const stem = Array.from(name, (c) => (/[\p{L}\p{N}]/u.test(c) ? c : '_'))
    .slice(0, MAX_STEM)
    .join('');
  return stem === '' ? 'untitled' : stem;
}

/**
 * Hands out stems unique within one archive: a repeat gets `_2`, `_3`, … Compared case-insensitively so the
 * archive also unpacks without clashes on case-insensitive file systems.
 */
export class UniqueStems {
  private readonly taken = new Set<string>();

  next(name: string): string {
    const base = safeStem(name);
    let stem = base;
    for (let n = 2; this.taken.has(stem.toLowerCase()); n++) stem = `${base}_${n}`;
    this.taken.add(stem.toLowerCase());
    return stem;
  }
}

/** A course key as one path segment of an object key: `course-v1:edX+DemoX+1T2024` → `course-v1_edX_DemoX_1T2024`. */
export function courseKeySegment(courseKey: string): string {
  return courseKey.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

/** `ce_` and 22 URL-safe characters (128 random bits): the seed's uid prefix for course exports. */
export function newExportUid(): string {
  return `ce_${randomBytes(16).toString('base64url')}`;
}

/** The seed's key layout: `s3_files/courses/{course}/{export uid}/{random}.zip`. */
export function exportObjectKey(courseKey: string, exportUid: string): string {
  return `s3_files/courses/${courseKeySegment(courseKey)}/${exportUid}/${randomBytes(12).toString('base64url')}.zip`;
}
