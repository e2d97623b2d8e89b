import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../../src/errors.js';
import { LmsClient, LmsCourseSource } from '../../../src/openedx/lms/index.js';
import { CourseNotFoundError } from '../../../src/sync/ports.js';
import { TestLms } from '../../peers/openedx/server.js';
import { syntheticCourse } from '../../support/synthetic-course.js';

const KEY = 'course-v1:SourceX+S1+2026';
let lms: TestLms;

function source(baseUrl = lms.url): LmsCourseSource {
  return new LmsCourseSource(
    new LmsClient({
      baseUrl,
      clientId: lms.credentials.clientId,
      clientSecret: lms.credentials.clientSecret,
      retry: { maxAttempts: 1 },
    }),
  );
}

beforeAll(async () => {
  lms = await TestLms.start();
  lms.setCourse(syntheticCourse({ blocks: 10, courseKey: KEY }));
});
afterAll(() => lms.close());

describe('LmsCourseSource', () => {
  it('reads a course snapshot', async () => {
    expect((await source().getSnapshot(KEY)).courseKey).toBe(KEY);
  });

  it('says the course is gone when the LMS answers 404 for it', async () => {
    await expect(source().getSnapshot('course-v1:SourceX+Gone+2026')).rejects.toBeInstanceOf(
      CourseNotFoundError,
    );
  });

  it('retries, never dead-letters, when LMS_BASE_URL points where no token endpoint is', async () => {
    const err = await source(`${lms.url}/not-the-lms`)
      .getSnapshot(KEY)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).not.toBeInstanceOf(CourseNotFoundError);
    expect((err as Error).message).toMatch(/LMS_BASE_URL/);
  });

  it('retries when the service user lacks the staff permission the LMS requires', async () => {
    lms.setStaff(false);
    try {
      const err = await source()
        .getSnapshot(KEY)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryableError);
      expect((err as Error).message).toMatch(/user [0-9a-f]{40}/);
    } finally {
      lms.setStaff(true);
    }
  });
});
