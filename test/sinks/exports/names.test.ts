import { describe, expect, it } from 'vitest';
import {
  courseKeySegment,
  exportObjectKey,
  newExportUid,
  safeStem,
  UniqueStems,
} from '../../../src/sinks/exports/names.js';

describe('safe archive names', () => {
  it('replaces every character that is not a letter or digit with an underscore, as the original did', () => {
    expect(safeStem('Week 1: Intro (v2).mp4')).toBe('Week_1__Intro__v2__mp4');
    expect(safeStem('Überblick – 東京')).toBe('Überblick___東京');
  });

  it('can never produce a parent reference, a path or an absolute name', () => {
    for (const hostile of ['..', '../../etc/passwd', '/abs/path', 'C:\\Windows', '.']) {
      const stem = safeStem(hostile);
      expect(stem).not.toMatch(/[./\\:]/);
      expect(stem).not.toBe('');
    }
    expect(safeStem('')).toBe('untitled');
  });

  it('numbers repeats _2, _3 and treats names differing only in case as repeats', () => {
    const stems = new UniqueStems();
    expect(['Intro', 'Intro', 'INTRO', 'Intro 2', 'Other'].map((n) => stems.next(n))).toEqual([
      'Intro',
      'Intro_2',
      'INTRO_3',
      'Intro_2_2',
      'Other',
    ]);
  });

  it('keys objects by course, export uid and a random name', () => {
    const uid = newExportUid();
    expect(uid).toMatch(/^ce_[A-Za-z0-9_-]{22}$/);
    expect(courseKeySegment('course-v1:edX+DemoX+Demo_Course')).toBe('course-v1_edX_DemoX_Demo_Course');
    expect(exportObjectKey('course-v1:edX+DemoX+Demo_Course', uid)).toMatch(
      new RegExp(`^s3_files/courses/course-v1_edX_DemoX_Demo_Course/${uid}/[A-Za-z0-9_-]{16}\\.zip$`),
    );
  });
});
