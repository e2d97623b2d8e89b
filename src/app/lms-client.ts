import type { Logger } from '../log.js';
import { LmsClient } from '../openedx/lms/index.js';
import { ConfigError, type Config } from './config.js';

/** The LMS client the configuration describes; commands that need the LMS fail with a usage error without it. */
export function lmsClient(config: Config, logger: Logger): LmsClient {
  if (!config.lms) {
    throw new ConfigError([
      'LMS_BASE_URL, LMS_OAUTH_CLIENT_ID and LMS_OAUTH_CLIENT_SECRET are required to read courses from Open edX (or use `sync --olx <export>`)',
    ]);
  }
  return new LmsClient({
    baseUrl: config.lms.baseUrl,
    cmsBaseUrl: config.lms.cmsBaseUrl,
    tags: config.lms.tags,
    clientId: config.lms.clientId,
    clientSecret: config.lms.clientSecret,
    timeoutMs: config.lms.timeoutMs,
    concurrency: Math.max(2, config.bus.concurrency * 2),
    logger: logger.child({ component: 'lms' }),
  });
}
