import type { Logger } from '../../log.js';
import type { CatalogInfo } from '../../domain/catalog.js';
import type { CourseSnapshot } from '../../openedx/api-types.js';
import type { CatalogOutcome, CatalogSink, RemovalReason } from '../../sync/ports.js';
import { markRunRemoved, syncCourseRun, type CatalogSyncResult } from './catalog.js';
import { runFromCatalogInfo, runFromCourseDetail } from './catalog-input.js';
import type { SqlClient } from './sql-client.js';

/** The sync's view of the Postgres catalog: one course run (and its course) per call. */
export class PostgresCatalogSink implements CatalogSink {
  constructor(
    private readonly sql: SqlClient,
    private readonly options: { lmsBaseUrl?: string; logger?: Logger } = {},
  ) {}

  async syncFromDetail(snapshot: CourseSnapshot): Promise<CatalogOutcome> {
    const input = runFromCourseDetail(snapshot.detail, { lmsBaseUrl: this.options.lmsBaseUrl });
    return outcomeOf(await syncCourseRun(this.sql, input, this.options.logger));
  }

  async syncFromCatalogInfo(info: CatalogInfo): Promise<CatalogOutcome> {
    const input = runFromCatalogInfo(info, { lmsBaseUrl: this.options.lmsBaseUrl });
    return outcomeOf(await syncCourseRun(this.sql, input, this.options.logger));
  }

  async markRemoved(courseKey: string, reason: RemovalReason): Promise<CatalogOutcome> {
    const outcome = await markRunRemoved(this.sql, courseKey, reason, this.options.logger);
    if (outcome === 'marked') return 'marked-removed';
    return outcome === 'already_removed' ? 'already-removed' : 'unknown-run';
  }
}

function outcomeOf(result: CatalogSyncResult): CatalogOutcome {
  if (result.run === 'created') return 'created';
  if (result.run === 'updated' || result.course !== 'unchanged') return 'updated';
  return 'unchanged';
}
