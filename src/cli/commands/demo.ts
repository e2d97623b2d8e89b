/** `demo`: the no-setup path; syncs the sample course into embedded stores and shows what each holds. */
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadRuntime, type Runtime } from '../../app/runtime.js';
import { withService, type Service } from '../../app/service.js';
import { OlxCourseSource } from '../../openedx/olx/course-source.js';
import { dumpRowCounts } from '../../sinks/clickhouse/index.js';
import { catalogRunsOf } from '../../sinks/postgres/index.js';
import type { SyncResult } from '../../sync/course-sync.js';
import { describeExport, outlineTable, syncSummary } from '../summary.js';

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
      await withService(runtime, async (service) => {
        const result = await service.courseSyncer({ source: olx })(olx.courseKey);
        await service.exports.drain();
        const current = await service.latestExport(olx.courseKey);
        const { database } = runtime.config.clickhouse;
        const out = [
          `Synced ${olx.courseKey} from ${opts.olx}`,
          '',
          'Outline (section:subsection:unit, as Aspects numbers it):',
          result.outline ? outlineTable(result.outline) : '  (none)',
          '',
          syncSummary(result),
          '',
          'ClickHouse rows of this dump:',
          ...(await clickhouseCounts(service, result)),
          '',
          'Postgres catalog:',
          ...(await catalogRuns(service, olx.courseKey)),
          '',
          current ? describeExport(olx.courseKey, current) : 'no export archive (the course has no videos)',
          '',
          `Data is under ${runtime.config.dataDir}. Query it with:`,
          `  npm run cli -- query clickhouse "SELECT order, location, display_name FROM ${database}.course_blocks WHERE dump_id = '${result.dump?.dumpId ?? ''}' ORDER BY order"`,
          `  npm run cli -- query postgres "SELECT courseware_id, title, start_date FROM course_runs"`,
        ];
        process.stdout.write(`${out.join('\n')}\n`);
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

async function clickhouseCounts(service: Service, result: SyncResult): Promise<string[]> {
  if (!result.dump) return ['  (no dump)'];
  const { database } = service.config.clickhouse;
  const counts = await dumpRowCounts(service.stores.clickhouse, database, result.dump.dumpId);
  return Object.entries(counts).map(([table, n]) => `  ${database}.${table}: ${n}`);
}

async function catalogRuns(service: Service, courseKey: string): Promise<string[]> {
  const runs = await catalogRunsOf(service.stores.postgres, courseKey);
  return runs.map(
    (r) =>
      `  course ${r.courseReadableId} · run ${r.coursewareId} · "${r.title}" · ${iso(r.startDate)} → ${iso(r.endDate)}`,
  );
}

function iso(d: Date | null): string {
  return d ? d.toISOString().slice(0, 10) : '—';
}
