import { openClickHouse } from '../../src/sinks/clickhouse/connection.js';
import { stackVar } from '../support/stack.js';
import { contentTagCases } from './support/content-tag-cases.js';

contentTagCases('ClickHouse server over HTTP', async () => {
  const conn = await openClickHouse({
    url: stackVar('CLICKHOUSE_URL'),
    user: stackVar('CLICKHOUSE_USER'),
    password: stackVar('CLICKHOUSE_PASSWORD'),
    // A server holds its own data: the embedded engine's directory is never opened.
    dataDir: '/nonexistent',
  });
  return { conn, dbt: false, close: () => conn.close() };
});
