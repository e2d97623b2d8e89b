import { createHash } from 'node:crypto';
import type { ExportManifest } from './export-manifest.js';

export { EXPORTER_VERSION, EXPORTER_VERSION_WITH_MEDIA } from './export-manifest.js';

/**
 * The values of the seed's course string, in its line order: the exporter version, the five course lines,
 * then for each journey in order its eight lines.
 */
export function exportHashValues(manifest: ExportManifest): string[] {
  const { course } = manifest;
  const values = [
    manifest.exporterVersion,
    course.title,
    course.titleShort,
    course.description,
    course.backgroundImageUid,
    course.backgroundBaseUrl,
  ];
  for (const j of manifest.journeys) {
    values.push(
      j.uid,
      j.instructor,
      j.title,
      j.description,
      j.subcategory,
      j.videoContentFileUid,
      j.exportUid,
      j.exportPartUid,
    );
  }
  return values;
}

/**
 * The original layout, values written raw with Python print semantics (each followed by "\n"). Kept to
 * prove layout parity with the reference test vector; a value holding a newline makes it ambiguous.
 */
export function legacyCourseString(values: readonly string[]): string {
  return values.map((v) => `${v}\n`).join('');
}

/**
 * Our layout: the same lines, but each value is written as a JSON string literal, so it can never contain
 * a raw newline (JSON escapes it as \n) and line boundaries are unambiguous. JSON.stringify also escapes
 * lone surrogates, so the UTF-8 encoding is always well defined.
 */
export function courseString(values: readonly string[]): string {
  return values.map((v) => `${JSON.stringify(v)}\n`).join('');
}

/** Lowercase hex sha512 of the UTF-8 bytes. */
export function sha512Hex(text: string): string {
  return createHash('sha512').update(text, 'utf8').digest('hex');
}

/** The inputs_hash of a course export: a new archive is built exactly when this changes. */
export function exportInputsHash(manifest: ExportManifest): string {
  return sha512Hex(courseString(exportHashValues(manifest)));
}
