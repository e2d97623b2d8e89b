import { readFileSync } from 'node:fs';

/**
 * Preloaded into a command the benchmarks run (`node --import tsx --import report-peak.ts …`): reports the
 * process's peak RSS (VmHWM, kB) on stderr as it exits, whatever the command did.
 */
process.on('exit', () => {
  const match = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  process.stderr.write(`VMHWM=${match?.[1] ?? 0}\n`);
});
