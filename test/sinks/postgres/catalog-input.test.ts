import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/errors.js';
import {
  courseReadableId,
  coursewareUrl,
  repairSchedule,
  runFromCatalogInfo,
  runFromCourseDetail,
} from '../../../src/sinks/postgres/catalog-input.js';
import type { CourseDetail } from '../../../src/openedx/api-types.js';

const detail: CourseDetail = {
  id: 'course-v1:edX+toy+2012_Fall',
  course_id: 'course-v1:edX+toy+2012_Fall',
  name: 'Toy Course',
  number: 'toy',
  org: 'edX',
  short_description: 'A course about toys.',
  media: {
    course_image: { uri: '/asset-v1:edX+toy+2012_Fall+type@asset+block@just_a_test.jpg' },
    image: { raw: 'http://testserver/asset-v1:edX+toy+2012_Fall+type@asset+block@just_a_test.jpg' },
  },
  start: '2015-07-17T12:00:00Z',
  end: '2015-09-19T18:00:00Z',
  enrollment_start: '2015-06-15T00:00:00Z',
  enrollment_end: '2015-07-15T00:00:00Z',
  pacing: 'instructor',
  hidden: false,
};

describe('courseReadableId', () => {
  it('drops the run from a course-v1 key', () => {
    expect(courseReadableId('course-v1:MITxPRO+AMx+1T2019')).toBe('course-v1:MITxPRO+AMx');
  });

  it('maps a legacy org/course/run key to the same course', () => {
    expect(courseReadableId('MITx/6.002x/2012_Fall')).toBe('course-v1:MITx+6.002x');
  });

  it.each(['course-v1:MITx+6.002x', 'block-v1:MITx+A+B+type@problem+block@x', 'library-v1:MITx+lib', ''])(
    'rejects %j as permanent',
    (key) => {
      expect(() => courseReadableId(key)).toThrow(PermanentError);
    },
  );
});

describe('repairSchedule', () => {
  const at = (s: string) => new Date(s);

  it('empties an end before its start and an enrollment end before its opening, with a warning each', () => {
    const run = repairSchedule({
      start: at('2025-03-01T00:00:00Z'),
      end: at('2025-01-01T00:00:00Z'),
      enrollmentStart: at('2025-02-01T00:00:00Z'),
      enrollmentEnd: at('2025-01-15T00:00:00Z'),
      warnings: [],
    });
    expect(run.end).toBeNull();
    expect(run.enrollmentEnd).toBeNull();
    expect(run.start).toEqual(at('2025-03-01T00:00:00Z'));
    expect(run.warnings).toEqual([
      'end 2025-01-01T00:00:00.000Z is before start 2025-03-01T00:00:00.000Z; end stored as empty',
      'enrollment_end 2025-01-15T00:00:00.000Z is before enrollment_start 2025-02-01T00:00:00.000Z; enrollment_end stored as empty',
    ]);
  });

  it('keeps consistent and half-open schedules as they are', () => {
    const schedule = {
      start: at('2025-01-01T00:00:00Z'),
      end: at('2025-01-01T00:00:00Z'),
      enrollmentStart: null,
      enrollmentEnd: at('2024-12-01T00:00:00Z'),
      warnings: [],
    };
    expect(repairSchedule({ ...schedule, warnings: [] })).toEqual(schedule);
  });
});

describe('runFromCourseDetail', () => {
  it('maps the Courses API detail to the run and course fields edX owns', () => {
    expect(
      runFromCourseDetail(
        { ...detail, name: 'Toy &lt;&amp;&gt; Co', pacing: 'self' },
        { lmsBaseUrl: 'https://lms.example.edu/' },
      ),
    ).toEqual({
      courseKey: 'course-v1:edX+toy+2012_Fall',
      courseReadableId: 'course-v1:edX+toy',
      title: 'Toy <&amp;> Co',
      start: new Date('2015-07-17T12:00:00Z'),
      end: new Date('2015-09-19T18:00:00Z'),
      enrollmentStart: new Date('2015-06-15T00:00:00Z'),
      enrollmentEnd: new Date('2015-07-15T00:00:00Z'),
      selfPaced: true,
      hidden: false,
      coursewareUrl: 'https://lms.example.edu/courses/course-v1:edX+toy+2012_Fall/',
      course: {
        description: 'A course about toys.',
        thumbnail: 'http://testserver/asset-v1:edX+toy+2012_Fall+type@asset+block@just_a_test.jpg',
      },
      warnings: [],
    });
  });

  it('treats absent and blank optional fields as empty, and an unparsable date as empty with a warning', () => {
    const run = runFromCourseDetail({
      id: 'course-v1:edX+toy+2012_Fall',
      name: '',
      number: 'toy',
      org: 'edX',
      start: 'not a date',
      pacing: 'instructor',
      short_description: '  ',
    });
    expect(run).toMatchObject({
      title: 'course-v1:edX+toy+2012_Fall',
      start: null,
      end: null,
      hidden: undefined,
      coursewareUrl: undefined,
      course: { description: null, thumbnail: null },
    });
    expect(run.warnings).toEqual(['start "not a date" is not a date; stored as empty']);
  });
});

describe('runFromCatalogInfo', () => {
  it('takes the name as sent and carries no course-level fields', () => {
    const run = runFromCatalogInfo({
      courseKey: 'course-v1:edX+toy+2012_Fall',
      name: 'Toy &amp; Co',
      schedule: {
        start: '2015-07-17T12:00:00Z',
        pacing: 'instructor',
        end: null,
        enrollmentStart: null,
        enrollmentEnd: null,
      },
      hidden: true,
      invitationOnly: false,
    });
    expect(run).toMatchObject({
      title: 'Toy &amp; Co',
      hidden: true,
      selfPaced: false,
      course: undefined,
      end: null,
    });
  });
});

describe('coursewareUrl', () => {
  it('is unknown without an LMS base URL', () => {
    expect(coursewareUrl(undefined, 'course-v1:a+b+c')).toBeUndefined();
  });
});
