/** What the rest of course-sink uses of the LMS client. */
export { LmsClient, type LmsClientOptions } from './client.js';
export {
  LmsCourseNotFoundError,
  LmsAuthError,
  LmsMalformedResponseError,
  LmsPermanentError,
  LmsRetryableError,
  LmsThrottledError,
  type LmsError,
  type LmsErrorContext,
} from './errors.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
export { LmsCourseSource } from './source.js';
