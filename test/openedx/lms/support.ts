import type { Block, CourseSnapshot } from '../../../src/openedx/api-types.js';
import { LmsClient, type LmsClientOptions } from '../../../src/openedx/lms/index.js';
import { expect } from 'vitest';
import type { TestLms } from '../../peers/lms/server.js';

/** A five-level course shaped like the LMS returns it with all_blocks and the fields we request. */
export function smallCourse(
  courseKey = 'course-v1:TestX+LMS101+2024',
  name = 'Testing the LMS',
): CourseSnapshot {
  const base = courseKey.slice('course-v1:'.length);
  const id = (type: string, blockId: string) => `block-v1:${base}+type@${type}+block@${blockId}`;
  const block = (type: string, blockId: string, extra: Partial<Block> = {}): Block => ({
    id: id(type, blockId),
    block_id: blockId,
    type,
    display_name: `${type} ${blockId}`,
    graded: false,
    has_score: false,
    ...extra,
  });
  const blocks: Block[] = [
    block('course', 'course', {
      display_name: name,
      children: [id('chapter', 'week1')],
      start: '2024-01-01T00:00:00Z',
    }),
    block('chapter', 'week1', { children: [id('sequential', 'lesson1')] }),
    block('sequential', 'lesson1', {
      graded: true,
      format: 'Homework',
      due: '2024-02-01T00:00:00Z',
      children: [id('vertical', 'unit1')],
    }),
    block('vertical', 'unit1', { children: [id('problem', 'p1'), id('video', 'v1'), id('html', 'h1')] }),
    block('problem', 'p1', { has_score: true, weight: 1 }),
    block('video', 'v1', {
      student_view_data: {
        only_on_web: false,
        duration: 60,
        encoded_videos: { youtube: { url: 'https://youtu.be/x', file_size: 0 } },
      },
    }),
    block('html', 'h1', { visible_to_staff_only: true }),
  ];
  const org = base.split('+')[0] ?? '';
  return {
    courseKey,
    source: 'lms',
    blocks: { root: id('course', 'course'), blocks: Object.fromEntries(blocks.map((b) => [b.id, b])) },
    detail: {
      id: courseKey,
      course_id: courseKey,
      name,
      number: base.split('+')[1] ?? '',
      org,
      short_description: null,
      effort: null,
      start: '2024-01-01T00:00:00Z',
      end: null,
      enrollment_start: null,
      enrollment_end: null,
      start_display: 'Jan. 1, 2024',
      start_type: 'timestamp',
      pacing: 'instructor',
      mobile_available: false,
      hidden: false,
      invitation_only: false,
      overview: '<p>About this course</p>',
    },
  };
}

export interface Harness {
  client: LmsClient;
  /** Every backoff the client asked to wait, in ms, in order. */
  sleeps: number[];
  clock: { now: number };
}

/** A client against the test LMS whose waits are recorded, not slept, and whose clock the test moves. */
export function clientFor(lms: TestLms, overrides: Partial<LmsClientOptions> = {}): Harness {
  const sleeps: number[] = [];
  const clock = { now: Date.now() };
  const client = new LmsClient({
    baseUrl: lms.url,
    clientId: lms.credentials.clientId,
    clientSecret: lms.credentials.clientSecret,
    timeoutMs: 2_000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => clock.now,
    ...overrides,
  });
  return { client, sleeps, clock };
}

/** The error a request fails with; the test fails if it succeeds. */
export const failure = (p: Promise<unknown>): Promise<Error> =>
  p.then(
    () => expect.fail('expected the request to fail'),
    (e: unknown) => e as Error,
  );
