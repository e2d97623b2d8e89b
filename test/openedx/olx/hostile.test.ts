import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/errors.js';
import {
  DEFAULT_OLX_LIMITS,
  OlxCycleError,
  OlxLimitError,
  OlxPathError,
  OlxReadError,
  readOlxCourse,
} from '../../../src/openedx/olx/index.js';
import {
  EXPECTED_ERROR,
  HOSTILE_CASES,
  OUTSIDE_MARKER,
  rawTarGz,
  writeFiles,
} from '../../support/hostile-olx.js';

const DEMO = '/work/shared/fixtures/openedx-demo-course/course';
const CLASSES = { OlxPathError, OlxCycleError, OlxLimitError, OlxReadError };

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'olx-hostile-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let n = 0;
const fresh = async () => mkdtemp(path.join(work, `case-${n++}-`));

describe('hostile OLX exports', () => {
  for (const c of HOSTILE_CASES) {
    it(`${c.name}: ${c.expect === 'accepted' ? 'read' : `refused with ${EXPECTED_ERROR[c.expect]}`}, nothing from outside`, async () => {
      const location = await c.build(await fresh());
      const outcome = await readOlxCourse(location).then(
        (snapshot) => ({ snapshot }),
        (error: unknown) => ({ error }),
      );
      if (c.expect === 'accepted') {
        expect('error' in outcome ? outcome.error : undefined).toBeUndefined();
        expect(JSON.stringify(outcome)).not.toContain(OUTSIDE_MARKER);
      } else {
        expect('error' in outcome).toBe(true);
        const error = (outcome as { error: Error }).error;
        expect(error).toBeInstanceOf(CLASSES[EXPECTED_ERROR[c.expect] as keyof typeof CLASSES]);
        expect(error).toBeInstanceOf(PermanentError);
        expect(error.message).not.toContain(OUTSIDE_MARKER);
        expect(error.message).not.toContain('root:x:0:0');
      }
    }, 30_000);
  }

  it('names the archive entry it refuses', async () => {
    const dir = await fresh();
    const file = await rawTarGz(path.join(dir, 'x.tar.gz'), [
      { path: 'course/course.xml', body: '<course url_name="Run" org="O" course="C"/>' },
      { path: 'course/static/evil', type: 'SymbolicLink', linkpath: '/etc/passwd' },
    ]);
    await expect(readOlxCourse(file)).rejects.toThrow(
      /archive entry "course\/static\/evil" is a symbolic link to "\/etc\/passwd"/,
    );
    const dotdot = await rawTarGz(path.join(dir, 'y.tar.gz'), [{ path: 'course/../../x.xml', body: '<a/>' }]);
    await expect(readOlxCourse(dotdot)).rejects.toThrow(
      /"course\/\.\.\/\.\.\/x\.xml" is not a path inside the export/,
    );
  });

  it('names the blocks of a cycle, from the first repeated one', async () => {
    const cycle = HOSTILE_CASES.find((c) => c.name === 'two blocks listing each other')!;
    const error = await readOlxCourse(await cycle.build(await fresh())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlxCycleError);
    expect((error as OlxCycleError).blocks).toEqual(['sequential/a', 'vertical/b', 'sequential/a']);
    expect((error as Error).message).toContain('sequential/a → vertical/b → sequential/a');
  });

  it('follows a symbolic link that stays inside the export', async () => {
    const dir = await fresh();
    await writeFiles(dir, {
      'course.xml': '<course url_name="Run" org="O" course="C"/>',
      'course/Run.xml': '<course><chapter url_name="ch"/></course>',
      'shared/ch.xml': '<chapter display_name="Shared"/>',
    });
    const { symlink, mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'chapter'));
    await symlink('../shared/ch.xml', path.join(dir, 'chapter/ch.xml'));
    const { blocks } = await readOlxCourse(dir);
    expect(blocks.blocks['block-v1:O+C+Run+type@chapter+block@ch']?.display_name).toBe('Shared');
  });

  it('enforces each count limit it is given', async () => {
    const dir = await fresh();
    await writeFiles(dir, {
      'course.xml': '<course url_name="Run" org="O" course="C"/>',
      'course/Run.xml':
        '<course><chapter url_name="a"/><chapter url_name="b"/><chapter url_name="c"/></course>',
      'chapter/a.xml': '<chapter/>',
      'chapter/b.xml': '<chapter/>',
      'chapter/c.xml': '<chapter/>',
    });
    await expect(readOlxCourse(dir, { limits: { maxBlocks: 2 } })).rejects.toThrow(/more than 2 blocks/);
    await expect(readOlxCourse(dir, { limits: { maxFiles: 1 } })).rejects.toThrow(/more than 1 files/);
    await expect(readOlxCourse(dir, { limits: { maxTotalBytes: 50 } })).rejects.toBeInstanceOf(OlxLimitError);
    await expect(readOlxCourse(dir, { limits: { maxDepth: 1 } })).rejects.toThrow(/nested 2 blocks deep/);
    await expect(readOlxCourse(dir)).resolves.toBeDefined();
  });

  it('reads a 100,000-block course under the default limits', async () => {
    const dir = await fresh();
    const chapters = Array.from({ length: 100 }, (_, c) => `<chapter url_name="c${c}"/>`).join('');
    const files: Record<string, string> = {
      'course.xml': '<course url_name="Run" org="O" course="Big"/>',
      'course/Run.xml': `<course>${chapters}</course>`,
    };
    for (let c = 0; c < 100; c++) {
      const units = Array.from(
        { length: 999 },
        (_, u) => `<html url_name="h${c}_${u}" display_name="H"/>`,
      ).join('');
      files[`chapter/c${c}.xml`] = `<chapter><vertical url_name="v${c}">${units}</vertical></chapter>`;
    }
    await writeFiles(dir, files);
    const snapshot = await readOlxCourse(dir);
    expect(Object.keys(snapshot.blocks.blocks)).toHaveLength(1 + 100 * (1 + 1 + 999));
  }, 60_000);

  it('reads the demo course with a wide margin under every default limit', async () => {
    const tight = {
      maxFileBytes: DEFAULT_OLX_LIMITS.maxFileBytes / 10,
      maxTotalBytes: DEFAULT_OLX_LIMITS.maxTotalBytes / 100,
      maxFiles: DEFAULT_OLX_LIMITS.maxFiles / 1000,
      maxBlocks: DEFAULT_OLX_LIMITS.maxBlocks / 1000,
      maxDepth: DEFAULT_OLX_LIMITS.maxDepth / 4,
    };
    const snapshot = await readOlxCourse(DEMO, { limits: tight });
    expect(Object.keys(snapshot.blocks.blocks).length).toBeGreaterThan(400);
  });
});
