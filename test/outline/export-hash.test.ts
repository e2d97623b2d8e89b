import { describe, expect, it } from 'vitest';
import {
  courseString,
  exportHashValues,
  exportInputsHash,
  legacyCourseString,
  sha512Hex,
} from '../../src/outline/export-hash.js';
import type { ExportJourney, ExportManifest } from '../../src/outline/export-manifest.js';

const journey = (n: number, overrides: Partial<ExportJourney> = {}): ExportJourney => ({
  uid: `block-v1:edX+DemoX+Demo+type@video+block@v${n}`,
  instructor: '',
  title: `Video ${n}`,
  description: `Unit ${n} › Subsection › Section`,
  subcategory: 'Section',
  videoContentFileUid: `vid-${n}`,
  exportUid: `desktop_mp4|https://cdn.example.test/v${n}.mp4`,
  exportPartUid: '1000',
  video: {
    profile: 'desktop_mp4',
    url: `https://cdn.example.test/v${n}.mp4`,
    fileSize: 1000,
    linkOnly: false,
  },
  ...overrides,
});

const manifest = (overrides: Partial<ExportManifest> = {}): ExportManifest => ({
  courseKey: 'course-v1:edX+DemoX+Demo',
  exporterVersion: 'course-sink/1',
  course: {
    title: 'Demo',
    titleShort: 'DemoX',
    description: 'About',
    backgroundImageUid: '/asset-v1:edX+DemoX+Demo+type@asset+block@images_course_image.jpg',
    backgroundBaseUrl:
      'https://lms.example.test/asset-v1:edX+DemoX+Demo+type@asset+block@images_course_image.jpg',
  },
  journeys: [journey(1), journey(2)],
  ...overrides,
});

describe('the legacy course string', () => {
  it('reproduces the reference test vector with the original line layout', () => {
    const values = [
      '1.0.7',
      'Course Title',
      'A description.',
      'oseh_if_bg',
      'https://example.com/bg.webp',
      'oseh_j_1',
      'Instructor A',
      'Journey 1',
      'Journey desc 1',
      'Sub A',
      'oseh_cf_1',
      'oseh_cfe_1',
      'oseh_cfep_1',
    ];
    const text = legacyCourseString(values);
    expect(text.endsWith('oseh_cfep_1\n')).toBe(true);
    expect(sha512Hex(text)).toBe(
      'ce20dde988117f8a9e6b4cb4be9ad21b054a360c03a8aa198c41a1983e07bd979bb7210e8a85488052e067e03c1e202b7ee67fac308114e45629bc3fd7d056f1',
    );
    expect(sha512Hex(legacyCourseString([]))).toBe(
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    );
  });

  it('lets a newline inside a value collide with a line break, which ours does not', () => {
    const a = ['1.0.7', 'T', 'line1\nline2'];
    const b = ['1.0.7', 'T\nline1', 'line2'];
    expect(legacyCourseString(a)).toBe(legacyCourseString(b));
    expect(sha512Hex(courseString(a))).not.toBe(sha512Hex(courseString(b)));
  });
});

describe('exportInputsHash', () => {
  it('writes the seed layout: version, five course lines, eight lines per journey, one JSON value per line', () => {
    const m = manifest();
    const values = exportHashValues(m);
    expect(values).toHaveLength(1 + 5 + 8 * 2);
    expect(values.slice(0, 6)).toEqual([
      'course-sink/1',
      'Demo',
      'DemoX',
      'About',
      m.course.backgroundImageUid,
      m.course.backgroundBaseUrl,
    ]);
    expect(values.slice(6, 14)).toEqual([
      journey(1).uid,
      '',
      'Video 1',
      'Unit 1 › Subsection › Section',
      'Section',
      'vid-1',
      'desktop_mp4|https://cdn.example.test/v1.mp4',
      '1000',
    ]);
    const text = courseString(values);
    expect(text.split('\n')).toHaveLength(values.length + 1);
    expect(text.startsWith('"course-sink/1"\n')).toBe(true);
    expect(text.endsWith('"1000"\n')).toBe(true);
    expect(exportInputsHash(m)).toMatch(/^[0-9a-f]{128}$/);
  });

  it('is the same for equal manifests', () => {
    expect(exportInputsHash(manifest())).toBe(exportInputsHash(structuredClone(manifest())));
  });

  it('changes when the journeys are reordered', () => {
    expect(exportInputsHash(manifest({ journeys: [journey(2), journey(1)] }))).not.toBe(
      exportInputsHash(manifest()),
    );
  });

  it('changes when the exporter version is bumped', () => {
    expect(exportInputsHash(manifest({ exporterVersion: 'course-sink/2' }))).not.toBe(
      exportInputsHash(manifest()),
    );
  });

  it('changes when any single journey field changes', () => {
    const base = exportInputsHash(manifest());
    const fields = [
      'uid',
      'instructor',
      'title',
      'description',
      'subcategory',
      'videoContentFileUid',
      'exportUid',
      'exportPartUid',
    ] as const;
    for (const field of fields) {
      const changed = manifest({ journeys: [journey(1, { [field]: 'x' }), journey(2)] });
      expect(exportInputsHash(changed), field).not.toBe(base);
    }
  });

  it('tells apart values that only differ in where a newline falls', () => {
    const a = manifest({ course: { ...manifest().course, title: 'T', titleShort: 'line1\nline2' } });
    const b = manifest({ course: { ...manifest().course, title: 'T\nline1', titleShort: 'line2' } });
    expect(legacyCourseString(exportHashValues(a))).toBe(legacyCourseString(exportHashValues(b)));
    expect(exportInputsHash(a)).not.toBe(exportInputsHash(b));
  });
});
