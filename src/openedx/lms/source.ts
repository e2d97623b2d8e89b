import { RetryableError } from '../../errors.js';
import type { CourseSnapshot } from '../api-types.js';
import { CourseNotFoundError, type CourseSource } from '../../sync/ports.js';
import type { LmsClient } from './client.js';
import { LmsAuthError, LmsPermanentError } from './errors.js';

/**
 * The LMS as the sync's course source. Two LMS answers change meaning at this boundary: a 404 means the
 * course is gone (the catalog marks its run), and bad credentials are retried rather than dead-lettered,
 * because they fail every course alike and are fixed by the operator, not by the event.
 */
export class LmsCourseSource implements CourseSource {
  constructor(private readonly lms: LmsClient) {}

  async getSnapshot(courseKey: string): Promise<CourseSnapshot> {
    try {
      return await this.lms.getSnapshot(courseKey);
    } catch (err) {
      if (err instanceof LmsAuthError) {
        throw new RetryableError(
          `${err.message} (check LMS_OAUTH_CLIENT_ID/LMS_OAUTH_CLIENT_SECRET; events wait until the LMS accepts them)`,
          { cause: err },
        );
      }
      if (err instanceof LmsPermanentError && err.status === 404)
        throw new CourseNotFoundError(courseKey, { cause: err });
      throw err;
    }
  }
}
