import type { Logger } from '../log.js';
import type { LmsClient } from '../openedx/lms/index.js';
import { writeTagTables, type WriterContext } from '../sinks/clickhouse/index.js';

/**
 * Taxonomy and tag edits send no signal: besides every course sync, the tag tables are refreshed from
 * Studio's tagging API on an interval while the service runs. Returns the rows written per table, or
 * undefined when tags are not read.
 */
export async function refreshTagTables(
  lms: LmsClient,
  ctx: WriterContext,
): Promise<Record<string, number> | undefined> {
  const catalog = await lms.getTaxonomies();
  return catalog ? writeTagTables(ctx, catalog) : undefined;
}

/** Refreshes every `intervalMs` (0: never); a failed refresh is logged and tried again next time. */
export function startTagRefresher(
  lms: LmsClient,
  ctx: WriterContext,
  intervalMs: number,
  logger: Logger,
): { stop(): void } {
  if (intervalMs <= 0) return { stop: () => undefined };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    refreshTagTables(lms, ctx)
      .then((rows) => rows && logger.info({ rows }, 'tag tables refreshed'))
      .catch((err: unknown) => logger.warn({ err }, 'refreshing the tag tables failed; trying again later'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
