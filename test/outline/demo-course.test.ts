import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BlocksResponseSchema } from '../../src/openedx/api-types.js';
import { readOlxCourse } from '../../src/openedx/olx/index.js';
import { fileURLToPath } from 'node:url';
import { exportManifest } from '../../src/outline/export-manifest.js';
import { buildOutline, type Outline } from '../../src/outline/index.js';
import { loadCourseFixtures } from '../peers/openedx/fixtures.js';
import { lmsSnapshot } from '../peers/openedx/snapshot.js';
import { EXTRA_FIELDS } from '../support/synthetic-course.js';
import { DEMO_EXPECTED_TREE, DEMO_OLX } from '../support/shared.js';

const OLX = DEMO_OLX;
const expected = JSON.parse(readFileSync(DEMO_EXPECTED_TREE, 'utf8')) as Array<{
  block_type: string;
  location: string;
  order: number;
  section: number;
  subsection: number;
  unit: number;
  graded_inh: number;
}>;
const committed = BlocksResponseSchema.parse(
  JSON.parse(readFileSync(new URL('../fixtures/demo-course/blocks.json', import.meta.url), 'utf8')),
);

function expectMatchesAspects(outline: Outline, detachedRows: number): void {
  const treeRows = outline.rows.slice(0, expected.length).map((r) => ({
    block_type: r.blockType,
    location: r.location,
    order: r.order,
    section: r.section,
    subsection: r.subsection,
    unit: r.unit,
    graded_inh: r.graded ? 1 : 0,
  }));
  expect(treeRows).toEqual(
    expected.map(({ block_type, location, order, section, subsection, unit, graded_inh }) => ({
      block_type,
      location,
      order,
      section,
      subsection,
      unit,
      graded_inh,
    })),
  );
  const detached = outline.rows.slice(expected.length);
  expect(detached.length).toBe(detachedRows);
  expect(detached.every((r) => r.detached && r.section === 0 && r.subsection === 0 && r.unit === 0)).toBe(
    true,
  );
  expect(detached.map((r) => r.order)).toEqual(detached.map((_, i) => expected.length + i + 1));
  expect(outline.issues).toEqual({ missingChildren: [], unreachable: [], duplicates: [] });
}

describe('the demo course outline', () => {
  it('read from the OLX export matches all 401 rows Aspects computes, then the detached blocks', async () => {
    const snapshot = await readOlxCourse(OLX);
    expectMatchesAspects(buildOutline(snapshot.blocks), 12);
  });

  it('read from the committed Blocks API fixture matches the same rows; the LMS sends no detached block', () => {
    expectMatchesAspects(buildOutline(committed), 0);
  });

  it('the committed fixture is exactly what the test LMS answers for the committed modulestore course', async () => {
    const [course] = await loadCourseFixtures(
      fileURLToPath(new URL('../fixtures/demo-course/', import.meta.url)),
    );
    const answered = lmsSnapshot(course!, { settings: { courseBlocksApiExtraFields: EXTRA_FIELDS } });
    expect(committed).toEqual(answered.blocks);
  });

  it('has 160 graded rows and the library_content children under unit 3:2:x', () => {
    const outline = buildOutline(committed);
    expect(outline.rows.filter((r) => r.graded).length).toBe(160);
    const library = outline.rows.find((r) => r.blockType === 'library_content')!;
    const children = outline.rows.filter((r) => r.parent === library.location);
    expect(children.map((r) => [r.blockType, r.position, r.depth])).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => ['problem', i, library.depth + 1]),
    );
    expect(outline.relationships.length).toBe(400);
  });

  it('gives each video journey the same VAL id whether the course is read from the LMS or from its export', async () => {
    const [course] = await loadCourseFixtures(
      fileURLToPath(new URL('../fixtures/demo-course/', import.meta.url)),
    );
    const fromLms = lmsSnapshot(course!, { settings: { courseBlocksApiExtraFields: EXTRA_FIELDS } });
    const fromOlx = await readOlxCourse(OLX, { courseKey: 'course-v1:OpenedX+DemoX+DemoCourse' });
    const uids = (snapshot: typeof fromLms) =>
      exportManifest(snapshot, buildOutline(snapshot.blocks)).journeys.map((j) => [
        j.uid,
        j.videoContentFileUid,
      ]);
    const lms = uids(fromLms);
    expect(lms.length).toBeGreaterThan(0);
    expect(lms.some(([uid, video]) => !uid!.endsWith(`@${video}`))).toBe(true);
    expect(lms).toEqual(uids(fromOlx));
  });
});
