import { newDump } from '../../src/domain/dump.js';
import { LmsClient } from '../../src/openedx/lms/client.js';
import { buildOutline } from '../../src/outline/index.js';
import { openClickHouse } from '../../src/sinks/clickhouse/connection.js';
import { migrateClickHouse } from '../../src/sinks/clickhouse/migrate.js';
import { ClickHouseCourseSink } from '../../src/sinks/clickhouse/sink.js';

/**
 * One course synced from an LMS into embedded ClickHouse, the way the service does it, in a process of its
 * own: started by the heap-capped sync test with `--max-old-space-size`. Prints the rows written per table.
 */
const [lmsUrl, clientId, clientSecret, courseKey, dataDir] = process.argv.slice(2);
if (!lmsUrl || !clientId || !clientSecret || !courseKey || !dataDir) {
  console.error('usage: capped-sync.ts <lms url> <client id> <client secret> <course key> <data dir>');
  process.exit(2);
}
const clickhouse = await openClickHouse({ user: 'default', dataDir });
try {
  await migrateClickHouse(clickhouse.client, {
    database: 'event_sink',
    capabilities: clickhouse.capabilities,
  });
  const lms = new LmsClient({ baseUrl: lmsUrl, clientId, clientSecret, timeoutMs: 120_000 });
  const sink = new ClickHouseCourseSink({
    client: clickhouse.client,
    database: 'event_sink',
    capabilities: clickhouse.capabilities,
  });
  const snapshot = await lms.getSnapshot(courseKey);
  const outline = buildOutline(snapshot.blocks);
  const dump = newDump();
  const { rowsByTable } = await sink.writeCourse({ snapshot, outline, dump });
  console.log(JSON.stringify(rowsByTable));
} finally {
  await clickhouse.close();
}
