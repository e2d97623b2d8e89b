/** `consume`: the service itself, the long-running bridge from the event bus to every store. */
import type { Command } from 'commander';
import { runConsumer } from '../../app/processes.js';
import { loadRuntime } from '../../app/runtime.js';

export function consumeCommand(program: Command): void {
  program
    .command('consume')
    .description('Run the bridge: consume course events, sync each course to every store, build exports')
    .option('--no-export-worker', 'only queue export builds; run `export-worker` elsewhere to build them')
    .action(async (opts: { exportWorker: boolean }) => {
      await runConsumer(loadRuntime('stdout'), { exportWorker: opts.exportWorker });
    });
}
