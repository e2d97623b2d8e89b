import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions, joining continuation lines and dropping comments. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s+([\s\S]*)$/.exec(line);
    if (!match) continue;
    const keyword = (match[1] as string).toUpperCase();
    const args = match[2] as string;
    if (keyword === 'FROM') {
      stages.push({ name: /\bAS\s+(\S+)$/i.exec(args)?.[1], instructions: [] });
    }
    stages.at(-1)?.instructions.push({ keyword, args });
  }
  return stages;
}

/** COPY [--from=x] [--chown=..] src... dest, in shell or JSON form. */
function copyParts(args: string): { from: string | undefined; sources: string[]; dest: string } {
  const words = args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1) as string };
}

function dockerignorePatterns(): string[] {
  return readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const stages = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1) as Stage;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

describe('Dockerfile', () => {
  it('copies from the build context only paths that exist and that .dockerignore lets through', () => {
    const ignored = dockerignorePatterns();
    const copies = stages.flatMap((s) => all(s, 'COPY')).map((i) => copyParts(i.args));
    const fromContext = copies.filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const source of fromContext) {
      const relative = source.replace(/\/$/, '');
      expect(existsSync(path.join(root, relative)), `${source} exists in the repository`).toBe(true);
      expect(ignored, `${source} is not excluded by .dockerignore`).not.toContain(relative);
    }
  });

  it('copies from other stages only what those stages produce', () => {
    const build = stages.find((s) => s.name === 'build') as Stage;
    const deps = stages.find((s) => s.name === 'prod-deps') as Stage;
    expect(all(build, 'RUN').map((r) => r.args)).toContain('npm run build');
    expect(all(deps, 'RUN').some((r) => r.args.startsWith('npm ci --omit=dev'))).toBe(true);

    const fromStages = all(runtime, 'COPY')
      .map((i) => copyParts(i.args))
      .filter((c) => c.from !== undefined);
    expect(fromStages).toEqual([
      { from: 'prod-deps', sources: ['/app/node_modules'], dest: './node_modules' },
      { from: 'build', sources: ['/src/dist'], dest: './dist' },
    ]);
  });

  it('builds dist/ with the TypeScript config whose output holds the package entry point', () => {
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    const buildConfig = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(buildConfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(pkg.bin['course-sink']).toBe('dist/cli/main.js');
    // rootDir src → outDir dist, so dist/cli/main.js is compiled from src/cli/main.ts.
    expect(existsSync(path.join(root, 'src/cli/main.ts'))).toBe(true);
  });

  it('runs the compiled CLI from dist/ under tini, consuming by default', () => {
    const [entrypoint] = all(runtime, 'ENTRYPOINT');
    const [cmd] = all(runtime, 'CMD');
    expect(JSON.parse(entrypoint?.args ?? 'null')).toEqual([
      'tini',
      '--',
      'node',
      `/app/${pkg.bin['course-sink']}`,
    ]);
    expect(JSON.parse(cmd?.args ?? 'null')).toEqual(['consume']);
    expect(all(runtime, 'WORKDIR').map((w) => w.args)).toEqual(['/app']);
  });

  it('runs as a numeric non-root user with /data as the data volume and port 8080 exposed', () => {
    const users = all(runtime, 'USER').map((u) => u.args);
    expect(users).toHaveLength(1);
    const [uid, gid] = (users[0] as string).split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    expect(all(runtime, 'VOLUME').map((v) => JSON.parse(v.args))).toEqual([['/data']]);
    expect(all(runtime, 'ENV').some((e) => /\bDATA_DIR=\/data\b/.test(e.args))).toBe(true);
    expect(all(runtime, 'EXPOSE').map((e) => e.args)).toEqual(['8080']);
  });

  it('bases every stage on the glibc Node 24 image and labels the image', () => {
    const froms = stages.map((s) => all(s, 'FROM')[0]?.args.split(/\s+/)[0]);
    expect(new Set(froms)).toEqual(new Set(['${NODE_IMAGE}']));
    expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(
      /^ARG NODE_IMAGE=node:24-bookworm-slim$/m,
    );
    const labels = all(runtime, 'LABEL')
      .map((l) => l.args)
      .join(' ');
    for (const key of ['title', 'version', 'revision', 'licenses', 'description']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
  });

  it('puts the course-sink command on PATH for commands run without the entrypoint', () => {
    // Tutor's job containers and kubectl exec run `course-sink migrate` through a shell.
    expect(
      all(runtime, 'RUN').some((r) =>
        /ln -s \/app\/dist\/cli\/main\.js \/usr\/local\/bin\/course-sink\b/.test(r.args),
      ),
    ).toBe(true);
  });

  it('installs tini in the runtime image', () => {
    expect(all(runtime, 'RUN').some((r) => /apt-get install[^&]*\btini\b/.test(r.args))).toBe(true);
  });
});
