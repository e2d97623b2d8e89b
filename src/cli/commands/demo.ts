import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createCourseSyncer } from '../../app/course-syncer.js';
import { createExports, latestExport } from '../../app/exports.js';
import type { Stores } from '../../app/stores.js';
import { OlxCourseSource } from '../../openedx/olx/course-source.js';
import { bind } from '../../sinks/clickhouse/bind.js';
import { assertIdentifier } from '../../sinks/clickhouse/identifiers.js';
import type { SyncResult } from '../../sync/course-sync.js';
import { loadRuntime, withStores, type Runtime } from '../runtime.js';
import { outlineTable, syncSummary } from '../summary.js';
import { describeExport } from './export.js';

const SAMPLE_COURSE = fileURLToPath(new URL('../../../examples/sample-course', import.meta.url));

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Sync the sample course shipped with course-sink into embedded stores under DATA_DIR; no servers needed',
    )
    .option('--olx <path>', 'a Studio export to use instead of the sample course', SAMPLE_COURSE)
    .action(async (opts: { olx: string }) => {
      // The summary is the output; logs stay quiet unless LOG_LEVEL asks for them.
      const runtime = embedded(loadRuntime('stderr', { LOG_LEVEL: 'warn', ...process.env }));
      const olx = await OlxCourseSource.open(opts.olx);
      await withStores(runtime, async (stores) => {
        const exports = createExports(runtime.config, stores, runtime.logger);
        try {
          const sync = createCourseSyncer(runtime.config, stores, {
            source: olx,
            logger: runtime.logger,
            exports: exports.sink,
          });
          const result = await sync(olx.courseKey);
          await exports.drain();
          const current = await latestExport(stores, olx.courseKey);
          const out = [
            `Synced ${olx.courseKey} from ${opts.olx}`,
            '',
            'Outline (section:subsection:unit, as Aspects numbers it):',
            result.outline ? outlineTable(result.outline) : '  (none)',
            '',
            syncSummary(result),
            '',
            'ClickHouse rows of this dump:',
            ...(await clickhouseCounts(runtime, stores, result)),
            '',
            'Postgres catalog:',
            ...(await postgresRows(stores, olx.courseKey)),
            '',
            current ? describeExport(olx.courseKey, current) : 'no export archive (the course has no videos)',
            '',
            `Data is under ${runtime.config.dataDir}. Query it with:`,
            `  npm run cli -- query clickhouse "SELECT order, location, display_name FROM ${runtime.config.clickhouse.database}.course_blocks WHERE dump_id = '${result.dump?.dumpId ?? ''}' ORDER BY order"`,
            `  npm run cli -- query postgres "SELECT courseware_id, title, start_date FROM course_runs"`,
          ];
          process.stdout.write(`${out.join('\n')}\n`);
        } finally {
          exports.close();
        }
      });
    });
}

/** The demo never touches servers, even when the environment names some: it is the no-setup path. */
function embedded(runtime: Runtime): Runtime {
  const { config } = runtime;
  return {
    ...runtime,
    config: {
      ...config,
      clickhouse: { ...config.clickhouse, url: undefined, cluster: undefined },
      postgres: { url: undefined },
      s3: undefined,
    },
  };
}

async function clickhouseCounts(runtime: Runtime, stores: Stores, result: SyncResult): Promise<string[]> {
  if (!result.dump) return ['  (no dump)'];
  const db = assertIdentifier(runtime.config.clickhouse.database, 'CLICKHOUSE_DATABASE');
  const lines: string[] = [];
  for (const table of ['course_overviews', 'course_blocks', 'course_relationships']) {
    const rs = await stores.clickhouse.client.query({
      ...bind(
        `SELECT count() AS n FROM ${db}.${table} WHERE dump_id = {dump:UUID}`,
        { dump: result.dump.dumpId },
        stores.clickhouse.capabilities.queryParams,
      ),
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string | number }>();
    lines.push(`  ${runtime.config.clickhouse.database}.${table}: ${Number(row?.n ?? 0)}`);
  }
  return lines;
}

async function postgresRows(stores: Stores, courseKey: string): Promise<string[]> {
  const { rows } = await stores.postgres.query<{
    readable_id: string;
    courseware_id: string;
    title: string;
    start_date: Date | null;
    end_date: Date | null;
  }>(
    `SELECT c.readable_id, r.courseware_id, r.title, r.start_date, r.end_date
     FROM course_runs r JOIN courses c ON c.id = r.course_id WHERE r.courseware_id = $1`,
    [courseKey],
  );
  return rows.map(
    (r) =>
      `  course ${r.readable_id} · run ${r.courseware_id} · "${r.title}" · ${iso(r.start_date)} → ${iso(r.end_date)}`,
  );
}

function iso(d: Date | null): string {
  return d ? new Date(d).toISOString().slice(0, 10) : '—';
}
