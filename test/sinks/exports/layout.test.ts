import { describe, expect, it } from 'vitest';
import type { ExportJourney, ExportManifest } from '../../../src/outline/export-manifest.js';
import { archiveLayout, classText, wrapText } from '../../../src/sinks/exports/layout.js';

const HOSTILE = `<script>alert(1)</script> & "quotes"`;

const journey = (title: string, overrides: Partial<ExportJourney> = {}): ExportJourney => ({
  uid: `block-v1:edX+X+1+type@video+block@${title.length}`,
  instructor: HOSTILE,
  title,
  description: HOSTILE,
  subcategory: 'S',
  videoContentFileUid: 'v',
  exportUid: 'desktop_mp4|https://cdn.example.test/a b.mp4',
  exportPartUid: '10',
  video: { profile: 'desktop_mp4', url: 'https://cdn.example.test/a.mp4', fileSize: 10, linkOnly: false },
  ...overrides,
});

const manifest = (journeys: ExportJourney[]): ExportManifest => ({
  courseKey: 'course-v1:edX+X+1',
  exporterVersion: 'course-sink/1',
  course: {
    title: HOSTILE,
    titleShort: 'X',
    description: HOSTILE,
    backgroundImageUid: '',
    backgroundBaseUrl: '',
  },
  journeys,
});

const textOf = (entries: ReturnType<typeof archiveLayout>, path: string) => {
  const e = entries.find((x) => x.path === path);
  if (!e || !('text' in e)) throw new Error(`no text entry ${path}`);
  return e.text;
};

describe('the archive layout', () => {
  it('escapes every text in index.html so hostile titles stay text', () => {
    const entries = archiveLayout(manifest([journey(HOSTILE)]), { includeMedia: false });
    const html = textOf(entries, 'index.html');
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('"quotes"');
    expect(html).toContain('<title>&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;quotes&#34;</title>');
    expect(html).toContain(
      '<video controls preload="metadata" src="https://cdn.example.test/a.mp4"></video>',
    );
  });

  it('points the player at the archived file when media is included, and links streams instead', () => {
    const entries = archiveLayout(
      manifest([
        journey('Intro'),
        journey('Intro'),
        journey('Tube', {
          video: {
            profile: 'youtube',
            url: 'https://www.youtube.com/watch?v=x',
            fileSize: null,
            linkOnly: true,
          },
        }),
        journey('Evil', {
          video: { profile: 'desktop_mp4', url: 'javascript:alert(1)', fileSize: null, linkOnly: false },
        }),
      ]),
      { includeMedia: true },
    );
    expect(entries.map((e) => e.path)).toEqual([
      'index.html',
      'meta.txt',
      'classes/Intro.txt',
      'classes/Intro.mp4',
      'classes/Intro_2.txt',
      'classes/Intro_2.mp4',
      'classes/Tube.txt',
      'classes/Evil.txt',
      'classes/Evil.mp4',
    ]);
    const html = textOf(entries, 'index.html');
    expect(html).toContain('src="classes/Intro_2.mp4"');
    expect(html).toContain('<a href="https://www.youtube.com/watch?v=x" rel="noopener noreferrer">');
    expect(html).not.toContain('javascript:');
    expect(textOf(entries, 'meta.txt')).toBe('exporter version: course-sink/1\ncourse: course-v1:edX+X+1\n');
  });

  it('writes a class file with title, instructor, a blank line and the description wrapped at 80', () => {
    const description = 'word '.repeat(40).trim();
    const text = classText(journey('T', { instructor: 'Ada', description }));
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual(['T', 'by Ada', '']);
    expect(lines.slice(3, -1).every((l) => l.length <= 80)).toBe(true);
    expect(lines.slice(3, -1).join(' ')).toBe(description);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('wraps like textwrap: greedy lines, overlong words split', () => {
    expect(wrapText('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapText('  ', 10)).toEqual([]);
  });
});
