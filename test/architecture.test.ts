/**
 * The shape of src/ as the README's architecture section states it, checked on the files themselves: no
 * import cycle, every arrow pointing down the layers, and each file opening with what it is for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [path.relative(SRC, full)] : [];
  });
}

const IMPORT = /^(?:import|export)\b[^'"]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Each file's imports of other src/ files, as paths relative to src/ (type-only imports included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const text = readFileSync(path.join(SRC, file), 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) =>
      path.normalize(path.join(path.dirname(file), m[1]!)).replace(/\.js$/, '.ts'),
    );
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Tarjan's strongly connected components of more than one file: each is an import cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

/** Files at the top of src/ every layer shares: failure kinds, backoff and sleep, deadlines, alarms, the logger type. */
const SHARED = ['errors.ts', 'backoff.ts', 'deadline.ts', 'alarms.ts', 'log.ts'];

/**
 * What each layer may import besides itself and SHARED. `openedx/api-types.ts` is the validated course
 * snapshot both sources (LMS, OLX) produce, and `sync/ports.ts` the interfaces the adapters implement.
 */
const MAY_IMPORT: Record<string, string[]> = {
  domain: [],
  outline: ['domain', 'openedx/api-types.ts'],
  openedx: ['domain', 'sync/ports.ts'],
  bus: ['domain'],
  sync: ['domain', 'openedx/api-types.ts', 'outline'],
  'sinks/clickhouse': ['domain', 'outline', 'openedx/api-types.ts', 'sync/ports.ts'],
  'sinks/postgres': ['domain', 'outline', 'openedx/api-types.ts', 'sync/ports.ts'],
  // Export records live in the catalog database: the exports sink runs its SQL through Postgres' client.
  'sinks/exports': [
    'domain',
    'outline',
    'openedx/api-types.ts',
    'sync/ports.ts',
    'sinks/postgres/sql-client.ts',
  ],
  app: ['domain', 'bus', 'sync', 'openedx', 'outline', 'sinks'],
  cli: ['domain', 'app', 'bus', 'sync', 'openedx', 'outline', 'sinks'],
};

function layerOf(file: string): string {
  const [top, second] = file.split(path.sep);
  return top === 'sinks' ? `sinks/${second}` : top!;
}

const within = (file: string, area: string) => file === area || file.startsWith(`${area}/`);

describe('the shape of src/', () => {
  const graph = importGraph();

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('imports only down the layers', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      if (SHARED.includes(file)) continue;
      const layer = layerOf(file);
      const allowed = MAY_IMPORT[layer];
      expect(allowed, `${file} is in no known layer`).toBeDefined();
      for (const target of targets) {
        const ok =
          SHARED.includes(target) ||
          layerOf(target) === layer ||
          allowed!.some((area) => within(target, area));
        if (!ok) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the pure layers free of I/O', () => {
    const io =
      /from\s+['"](node:(fs|net|http|https|child_process)(\/promises)?|@clickhouse\/client|pg|kafkajs|ioredis)['"]/;
    const impure = sourceFiles()
      .filter((file) => ['domain', 'outline'].includes(layerOf(file)))
      .filter((file) => io.test(readFileSync(path.join(SRC, file), 'utf8')));
    expect(impure).toEqual([]);
  });

  it('opens every file with a comment saying what it is for', () => {
    const silent = sourceFiles().filter((file) => {
      const text = readFileSync(path.join(SRC, file), 'utf8').replace(/^#!.*\n/, '');
      // The comment may stand above the imports or right below them.
      const afterImports = text.replace(/^(?:\s*(?:import|export)\b[^;]*?\bfrom\s+['"][^'"]+['"];)*/s, '');
      return !/^\s*(\/\*|\/\/)/.test(text) && !/^\s*(\/\*|\/\/)/.test(afterImports);
    });
    expect(silent).toEqual([]);
  });
});
