import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Peak resident memory of this process. On Linux the kernel's high-water mark (VmHWM) can be reset to the
 * current RSS by writing 5 to /proc/self/clear_refs, which gives the true peak of just the measured runs;
 * elsewhere the lifetime maximum from getrusage stands in for it.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match?.[1]) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall through to getrusage.
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Runs a full collection when the process was started with --expose-gc (the runner does this). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

export const MiB = 1024 * 1024;
