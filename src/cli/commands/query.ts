/** `query`: one read-only query against the configured ClickHouse or Postgres, embedded ones included. */
import type { Command } from 'commander';
import { openStores } from '../../app/stores.js';
import { loadRuntime } from '../../app/runtime.js';

export function queryCommand(program: Command): void {
  program
    .command('query')
    .description(
      'Run one read query on the configured ClickHouse or Postgres (embedded ones included); prints JSON lines',
    )
    .argument('<store>', 'clickhouse or postgres')
    .argument('<sql>', 'the query')
    .action(async (store: string, sql: string, _opts: unknown, command: Command) => {
      if (store !== 'clickhouse' && store !== 'postgres') {
        command.error(`store must be clickhouse or postgres, not ${store}`, { exitCode: 2 });
      }
      const { config, logger } = loadRuntime();
      const stores = await openStores(config, logger.child({}, { level: 'warn' }));
      try {
        // Read-only on both engines: this command inspects, it never changes what the service wrote.
        const rows =
          store === 'clickhouse'
            ? await (
                await stores.clickhouse.client.query({
                  query: sql,
                  format: 'JSONEachRow',
                  clickhouse_settings: { readonly: '2' },
                })
              ).json()
            : await stores.postgres.transaction(async (tx) => {
                await tx.query('SET TRANSACTION READ ONLY');
                return (await tx.query(sql)).rows;
              });
        for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
      } finally {
        await stores.close();
      }
    });
}
