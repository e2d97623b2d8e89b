import type { Block, BlocksResponse, CourseSnapshot } from '../../../../src/openedx/api-types.js';

/**
 * A small course shaped like the Blocks API answers for the Open edX demo course: two sections, a graded
 * subsection, names with `®`, apostrophes and `' - '`, a nameless problem and a detached course_info block.
 */
export const COURSE_KEY = 'course-v1:OpenedX+DemoX+DemoCourse';

/** The two dump columns of every row these tests build, as the writer spells them. */
export const STAMP = {
  dump_id: '5f0c7d36-3c0e-4a5e-9c39-2d8d5b2f6a11',
  time_last_dumped: '2024-07-10 19:58:24.094725+00:00',
};

const usage = (type: string, id: string) => `block-v1:OpenedX+DemoX+DemoCourse+type@${type}+block@${id}`;

interface Spec {
  type: string;
  id: string;
  name: string;
  graded?: boolean;
  children?: Spec[];
}

const TREE: Spec = {
  type: 'course',
  id: 'course',
  name: 'Open edX Demo Course',
  children: [
    {
      type: 'chapter',
      id: 'ch1',
      name: 'Module 1: Dive into the Open edX® platform!',
      children: [
        {
          type: 'sequential',
          id: 'seq11',
          name: "Ohm's Calculator",
          graded: true,
          children: [
            {
              type: 'vertical',
              id: 'v111',
              name: 'Try it - Single-select',
              children: [
                { type: 'problem', id: 'p1111', name: '' },
                { type: 'html', id: 'h1112', name: 'Text' },
              ],
            },
            {
              type: 'vertical',
              id: 'v112',
              name: "There's More",
              children: [{ type: 'video', id: 'vid1121', name: 'Welcome' }],
            },
          ],
        },
        {
          type: 'sequential',
          id: 'seq12',
          name: 'The Structure of the Open edX® platform',
          children: [
            {
              type: 'vertical',
              id: 'v121',
              name: 'Overview',
              children: [{ type: 'html', id: 'h1211', name: 'Intro' }],
            },
          ],
        },
      ],
    },
    {
      type: 'chapter',
      id: 'ch2',
      name: 'Module 2: Crafting Captivating Content',
      children: [
        {
          type: 'sequential',
          id: 'seq21',
          name: 'Text',
          children: [
            {
              type: 'vertical',
              id: 'v211',
              name: 'Kept unit',
              children: [{ type: 'html', id: 'h2111', name: 'Kept' }],
            },
            {
              type: 'vertical',
              id: 'v212',
              name: 'Doomed unit',
              children: [{ type: 'html', id: 'h2121', name: 'Doomed' }],
            },
          ],
        },
      ],
    },
  ],
};

function flatten(spec: Spec, out: Record<string, Block>, inheritedGraded: boolean, drop: Set<string>): void {
  const graded = spec.graded ?? inheritedGraded;
  const kids = (spec.children ?? []).filter((c) => !drop.has(c.id));
  out[usage(spec.type, spec.id)] = {
    id: usage(spec.type, spec.id),
    block_id: spec.id,
    type: spec.type,
    display_name: spec.name,
    graded,
    ...(kids.length > 0 ? { children: kids.map((c) => usage(c.type, c.id)) } : {}),
  };
  for (const kid of kids) flatten(kid, out, graded, drop);
}

/** The Blocks API response; `withoutIds` drops blocks (and their subtrees), like deleting them in Studio. */
export function blocksResponse(withoutIds: string[] = []): BlocksResponse {
  const blocks: Record<string, Block> = {};
  flatten(TREE, blocks, false, new Set(withoutIds));
  const updates = usage('course_info', 'updates');
  blocks[updates] = { id: updates, block_id: 'updates', type: 'course_info', display_name: 'Course Updates' };
  return { root: usage('course', 'course'), blocks };
}

export function snapshot(withoutIds: string[] = []): CourseSnapshot {
  return {
    courseKey: COURSE_KEY,
    source: 'test',
    blocks: blocksResponse(withoutIds),
    detail: {
      id: COURSE_KEY,
      name: 'Open edX Demo Course &amp; Friends',
      number: 'DemoX',
      org: 'OpenedX',
      start: '2020-01-01T00:00:00Z',
      end: null,
      enrollment_start: '2019-12-01T00:00:00.250000Z',
      enrollment_end: null,
      start_type: 'timestamp',
      start_display: 'Jan. 1, 2020',
      pacing: 'self',
      effort: '5 hours',
      invitation_only: false,
    },
  };
}

export { usage };
