/** `migrate`: applies both stores' numbered migrations, for a Helm hook or an operator before the first start. */
import type { Command } from 'commander';
import { migrateStores, openStores } from '../../app/stores.js';
import { loadRuntime } from '../../app/runtime.js';

export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply the ClickHouse and Postgres migrations (idempotent; safe from several pods at once)')
    .action(async () => {
      const runtime = loadRuntime();
      const stores = await openStores(runtime.config, runtime.logger);
      try {
        const report = await migrateStores(stores, runtime.config, runtime.logger);
        const line = (name: string, applied: string[]) =>
          `${name}: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}\n`;
        process.stdout.write(line('clickhouse', report.clickhouse) + line('postgres', report.postgres));
      } finally {
        await stores.close();
      }
    });
}
