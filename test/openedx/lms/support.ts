import { LmsClient, type LmsClientOptions } from '../../../src/openedx/lms/index.js';
import { expect } from 'vitest';
import type { ModulestoreBlock, ModulestoreCourse } from '../../peers/openedx/modulestore.js';
import type { TestLms } from '../../peers/openedx/server.js';

/** A five-level course as the modulestore holds it: a graded lesson, a problem, a YouTube video, a staff-only page. */
export function smallCourse(
  courseKey = 'course-v1:TestX+LMS101+2024',
  name = 'Testing the LMS',
): ModulestoreCourse {
  const block = (
    type: string,
    id: string,
    fields: Record<string, unknown> = {},
    children: string[] = [],
  ): ModulestoreBlock => ({
    type,
    id,
    fields: { display_name: `${type} ${id}`, ...fields },
    children,
    editedOn: '2024-01-10T12:00:00.250000+00:00',
  });
  return {
    courseKey,
    blocks: [
      block('course', 'course', { display_name: name, start: '2024-01-01T00:00:00+00:00' }, ['week1']),
      block('chapter', 'week1', {}, ['lesson1']),
      block('sequential', 'lesson1', { graded: true, format: 'Homework', due: '2024-02-01T00:00:00+00:00' }, [
        'unit1',
      ]),
      block('vertical', 'unit1', {}, ['p1', 'v1', 'h1']),
      block('problem', 'p1', { weight: 1 }),
      block('video', 'v1', { youtube_id_1_0: 'x' }),
      block('html', 'h1', { visible_to_staff_only: true }),
      block('about', 'overview', { data: '<p>About this course</p>' }),
    ],
    discussionProvider: 'legacy',
    overview: {
      created: '2024-01-01T00:00:00.000000+00:00',
      modified: '2024-01-10T12:00:00.250000+00:00',
      externalId: null,
      hiddenByOrgFilter: false,
    },
    val: [],
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
