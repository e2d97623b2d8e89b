import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CourseKey,
  InvalidKeyError,
  UsageKey,
  locationOf,
  usageKeyFor,
  usageKeyPrefix,
} from '../../src/domain/keys.js';
import { PermanentError } from '../../src/errors.js';

describe('CourseKey', () => {
  it('parses course-v1 keys into org, course and run', () => {
    const key = CourseKey.parse('course-v1:OpenedX+DemoX+DemoCourse');
    expect([key.org, key.course, key.run, key.branch, key.version, key.deprecated]).toEqual([
      'OpenedX',
      'DemoX',
      'DemoCourse',
      null,
      null,
      false,
    ]);
    expect(key.toString()).toBe('course-v1:OpenedX+DemoX+DemoCourse');
  });

  it('accepts branch and version suffixes and prints them back canonically', () => {
    const key = CourseKey.parse(
      'course-v1:mit.eecs+honors.6002x+2014_T2+branch@draft+version@519665f6223ebd6980884f2b',
    );
    expect(key.branch).toBe('draft');
    expect(key.version).toBe('519665f6223ebd6980884f2b');
    expect(key.toString()).toBe(
      'course-v1:mit.eecs+honors.6002x+2014_T2+branch@draft+version@519665f6223ebd6980884f2b',
    );
  });

  it('allows ~ and : inside ids and Unicode letters', () => {
    expect(CourseKey.parse('course-v1:mit.eecs+~6002x+run:2').course).toBe('~6002x');
    expect(CourseKey.parse('course-v1:Ünï+数学+2024').org).toBe('Ünï');
  });

  it('parses the deprecated slash form and prints it the same way', () => {
    const key = CourseKey.parse('org.id/course_id/run');
    expect([key.org, key.course, key.run, key.deprecated]).toEqual(['org.id', 'course_id', 'run', true]);
    expect(key.toString()).toBe('org.id/course_id/run');
  });

  it("gives the org, course and run that Aspects' rows repeat, for new- and old-style keys", () => {
    expect(CourseKey.parse('course-v1:OpenedX+DemoX+Demo_Course')).toMatchObject({
      org: 'OpenedX',
      course: 'DemoX',
      run: 'Demo_Course',
    });
    expect(CourseKey.parse('edX/DemoX/Demo_Course')).toMatchObject({
      org: 'edX',
      course: 'DemoX',
      run: 'Demo_Course',
    });
    expect(() => CourseKey.parse('block-v1:x')).toThrow(/course-v1/);
  });

  it('forBranch(null) strips both branch and version', () => {
    const key = CourseKey.parse('course-v1:a+b+c+branch@published-branch+version@519665f6223ebd6980884f2b');
    expect(key.forBranch(null).toString()).toBe('course-v1:a+b+c');
    expect(key.forBranch('draft').toString()).toBe('course-v1:a+b+c+branch@draft');
  });

  it.each([
    'course-v1:',
    'course-v1:/mit.eecs',
    'http:mit.eecs',
    'course-v1:mit+course+runbranch@branch',
    'course-v1:mit+course+run+',
    'course-v1:mit+course+run\n',
    'course-v1:mit+course+run ',
    'course-v1:mit+course',
    'course-v1: mit.eecs+course+run',
    'course-v1:mit.ee cs+course+run',
    'course-v1:mit.ee,cs+course+run',
    'course-v1:mit.ee&cs+course+run',
    'course-v1:mit.ee()cs+course+run',
    'course-v1:\ufffd+course+run',
    'course-v1:a+b+c+version@xyz',
    'course-v1:a+b+c+version@519665f6',
    'course-v1:a+b+c+type@html+block@x',
    'org/course',
    'org/cou:rse/run',
    '',
  ])('rejects %j with an InvalidKeyError that quotes the input', (input) => {
    const parse = () => CourseKey.parse(input);
    expect(parse).toThrow(InvalidKeyError);
    expect(parse).toThrow(JSON.stringify(input));
    expect(CourseKey.isValid(input)).toBe(false);
  });

  it('InvalidKeyError is permanent: retrying cannot fix a malformed key', () => {
    try {
      CourseKey.parse('nope');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as InvalidKeyError).input).toBe('nope');
    }
  });
});

describe('UsageKey', () => {
  it('parses block-v1 keys', () => {
    const key = UsageKey.parse('block-v1:OpenedX+DemoX+DemoCourse+type@problem+block@0895f1b6c0b329e50b90');
    expect([key.blockType, key.blockId, key.courseKey.toString()]).toEqual([
      'problem',
      '0895f1b6c0b329e50b90',
      'course-v1:OpenedX+DemoX+DemoCourse',
    ]);
  });

  it('allows % in block ids but not in the course part', () => {
    expect(UsageKey.parse('block-v1:a+b+c+type@html+block@x%20y').blockId).toBe('x%20y');
    expect(UsageKey.isValid('block-v1:a%+b+c+type@html+block@x')).toBe(false);
  });

  it('location strips branch and version', () => {
    const key = 'block-v1:a+b+c+branch@draft-branch+version@519665f6223ebd6980884f2b+type@vertical+block@u1';
    expect(UsageKey.parse(key).toString()).toBe(key);
    expect(UsageKey.parse(key).location.toString()).toBe('block-v1:a+b+c+type@vertical+block@u1');
    expect(locationOf(key)).toBe('block-v1:a+b+c+type@vertical+block@u1');
  });

  it('parses legacy i4x keys with no run and a revision as branch', () => {
    const key = UsageKey.parse('i4x://MITx/3.091x/problemset/Sample_Problems@draft');
    expect([key.courseKey.org, key.courseKey.course, key.courseKey.run, key.courseKey.branch]).toEqual([
      'MITx',
      '3.091x',
      null,
      'draft',
    ]);
    expect([key.blockType, key.blockId]).toEqual(['problemset', 'Sample_Problems']);
    expect(key.toString()).toBe('i4x://MITx/3.091x/problemset/Sample_Problems@draft');
    expect(key.location.toString()).toBe('i4x://MITx/3.091x/problemset/Sample_Problems');
  });

  it('a legacy course key without a run cannot be printed until the run is filled in', () => {
    const course = UsageKey.parse('i4x://MITx/3.091x/chapter/w1').courseKey;
    expect(() => course.toString()).toThrow(InvalidKeyError);
    expect(course.withRun('2012_Fall').toString()).toBe('MITx/3.091x/2012_Fall');
  });

  it('usageKeyFor builds the canonical key of a block in a course', () => {
    const course = CourseKey.parse('course-v1:OpenedX+DemoX+DemoCourse');
    expect(usageKeyFor(course, 'course', 'course').toString()).toBe(
      'block-v1:OpenedX+DemoX+DemoCourse+type@course+block@course',
    );
    expect(() => usageKeyFor(course, 'html', 'a b')).toThrow(InvalidKeyError);
  });

  it('usageKeyPrefix is what every usage key of the course begins with', () => {
    const course = 'course-v1:OpenedX+DemoX+DemoCourse';
    expect(usageKeyPrefix(course)).toBe('block-v1:OpenedX+DemoX+DemoCourse+');
    const block = usageKeyFor(CourseKey.parse(course), 'html', 'h1').toString();
    expect(block.startsWith(usageKeyPrefix(course))).toBe(true);
    // The prefix ends at a separator: another course whose run starts the same is not inside it.
    expect('block-v1:OpenedX+DemoX+DemoCourse2+type@html+block@h1'.startsWith(usageKeyPrefix(course))).toBe(
      false,
    );
    expect(usageKeyPrefix('OpenedX/DemoX/2024')).toBe('i4x://OpenedX/DemoX/');
    expect(() => usageKeyPrefix('not a key')).toThrow(InvalidKeyError);
  });

  it.each([
    'block-v1:a+b+c',
    'block-v1:a+b+c+type@html',
    'block-v1:a+b+c+block@x',
    'block-v1:a+b+type@html+block@x',
    'block-v1:a+b+c+type@html+block@x+',
    'block-v1:a+b+c+type@html+block@x\n',
    'block-v1:a+b+c+type@ht ml+block@x',
    'i4x://org/course/html',
    'i4x://org/course/html/na/me',
    'i4x://or:g/course/html/name',
    'course-v1:a+b+c',
  ])('rejects %j', (input) => {
    expect(() => UsageKey.parse(input)).toThrow(InvalidKeyError);
    expect(() => UsageKey.parse(input)).toThrow(JSON.stringify(input));
  });
});

const idChar = fc.constantFrom(...'abcXYZ019_-~.:éß数Ж'.split(''));
const id = fc.string({ unit: idChar, minLength: 1, maxLength: 12 });
const blockId = fc.string({ unit: fc.constantFrom(...'ab9_-~.:%é'.split('')), minLength: 1, maxLength: 12 });
const hex24 = fc.string({
  unit: fc.constantFrom(...'0123456789abcdef'.split('')),
  minLength: 24,
  maxLength: 24,
});
const courseKey = fc
  .record({ org: id, course: id, run: id, branch: fc.option(id), version: fc.option(hex24) })
  .map((parts) => new CourseKey(parts));

describe('key round trips', () => {
  it('parse(print(k)) equals k for course keys', () => {
    fc.assert(fc.property(courseKey, (key) => CourseKey.parse(key.toString()).equals(key)));
  });

  it('parse(print(k)) equals k for usage keys', () => {
    fc.assert(
      fc.property(courseKey, id, blockId, (course, type, block) => {
        const key = usageKeyFor(course, type, block);
        return UsageKey.parse(key.toString()).equals(key);
      }),
    );
  });

  it('parse(print(k)) equals k for deprecated keys', () => {
    const part = fc.string({ unit: fc.constantFrom(...'ab9_.-é'.split('')), minLength: 1, maxLength: 10 });
    fc.assert(
      fc.property(part, part, part, (org, course, run) => {
        const key = new CourseKey({ org, course, run, deprecated: true });
        return CourseKey.parse(key.toString()).equals(key);
      }),
    );
  });
});
