import { MisconfigurationError } from '../../errors.js';
import type { CourseSnapshot } from '../api-types.js';
import { CourseNotFoundError, type CourseSource } from '../../sync/ports.js';
import type { LmsClient } from './client.js';
import { LmsAuthError, LmsCourseNotFoundError, LmsPermanentError } from './errors.js';

/**
 * The LMS as the sync's course source. Some LMS answers change meaning at this boundary: a 404 for the
 * course means it is gone (the catalog marks its run), while refusals that are not about this course —
 * bad credentials, a token endpoint that is not there because LMS_BASE_URL is wrong — fail every course
 * alike and are fixed by the operator, so they are retried rather than dead-lettered.
 */
export class LmsCourseSource implements CourseSource {
  constructor(private readonly lms: LmsClient) {}

  async getSnapshot(courseKey: string): Promise<CourseSnapshot> {
    try {
      return await this.lms.getSnapshot(courseKey);
    } catch (err) {
      if (err instanceof LmsCourseNotFoundError) throw new CourseNotFoundError(courseKey, { cause: err });
      if (err instanceof LmsAuthError || (err instanceof LmsPermanentError && err.courseKey === undefined)) {
        throw new MisconfigurationError(
          `${err.message} (a configuration problem: check LMS_BASE_URL and the LMS_OAUTH_* credentials; events wait until the LMS accepts them)`,
          { cause: err },
        );
      }
      throw err;
    }
  }
}
