import type { Block, BlocksResponse, CourseDetail, CourseSnapshot } from '../../src/openedx/api-types.js';

export interface SyntheticCourseOptions {
  /** About how many blocks the course has (the root included); the shape is filled until this is reached. */
  blocks: number;
  courseKey?: string;
}

const SUBSECTIONS_PER_SECTION = 4;
const UNITS_PER_SUBSECTION = 3;
const LEAVES = ['html', 'video', 'problem', 'html'] as const;

/**
 * A deterministic course shaped like a real one — sections of subsections of units of html, video and
 * problem leaves, every third subsection graded, videos carrying encodings — as the LMS APIs would return it.
 * Built in one pass, so 100k blocks take well under a second.
 */
export function syntheticCourse(options: SyntheticCourseOptions): CourseSnapshot {
  const courseKey = options.courseKey ?? 'course-v1:SynthX+Load101+2024';
  const body = courseKey.slice('course-v1:'.length);
  const blocks: Record<string, Block> = {};
  const target = Math.max(1, options.blocks);
  let count = 0;

  const add = (
    type: string,
    blockId: string,
    displayName: string,
    graded: boolean,
    extra: Partial<Block> = {},
  ): Block => {
    const id = `block-v1:${body}+type@${type}+block@${blockId}`;
    const block: Block = {
      id,
      block_id: blockId,
      lms_web_url: `/courses/${courseKey}/jump_to/${id}`,
      student_view_url: `/xblock/${id}`,
      type,
      display_name: displayName,
      graded,
      ...extra,
    };
    blocks[id] = block;
    count += 1;
    return block;
  };
  const link = (parent: Block, child: Block): void => {
    (parent.children ??= []).push(child.id);
  };

  const root = add('course', 'course', `Synthetic Course ${target}`, false);
  for (let s = 1; count < target; s++) {
    const section = add('chapter', `s${s}`, `Section ${s}`, false);
    link(root, section);
    for (let ss = 1; ss <= SUBSECTIONS_PER_SECTION && count < target; ss++) {
      const graded = ss % 3 === 0;
      const subsection = add(
        'sequential',
        `s${s}_ss${ss}`,
        `Subsection ${s}.${ss}`,
        graded,
        graded ? { format: 'Homework' } : {},
      );
      link(section, subsection);
      for (let u = 1; u <= UNITS_PER_SUBSECTION && count < target; u++) {
        const unitId = `s${s}_ss${ss}_u${u}`;
        const unit = add('vertical', unitId, `Unit ${s}.${ss}.${u}`, graded);
        link(subsection, unit);
        LEAVES.forEach((type, i) => {
          if (count >= target) return;
          const leafId = `${unitId}_${type}${i}`;
          const extra: Partial<Block> = type === 'video' ? { student_view_data: videoData(leafId) } : {};
          link(unit, add(type, leafId, `${type} ${leafId}`, graded, extra));
        });
      }
    }
  }

  const response: BlocksResponse = { root: root.id, blocks };
  return {
    courseKey,
    detail: detailFor(courseKey, root.display_name),
    blocks: response,
    source: 'synthetic',
  };
}

function videoData(blockId: string) {
  return {
    only_on_web: false,
    duration: 120,
    transcripts: {},
    encoded_videos: {
      desktop_mp4: { url: `https://videos.example.test/${blockId}.mp4`, file_size: 1_048_576 },
      youtube: { url: `https://www.youtube.com/watch?v=${blockId}`, file_size: 0 },
    },
    all_sources: [],
  };
}

function detailFor(courseKey: string, name: string): CourseDetail {
  const [org = '', number = ''] = courseKey.slice('course-v1:'.length).split('+');
  return {
    id: courseKey,
    course_id: courseKey,
    name,
    number,
    org,
    short_description: 'A generated course for tests.',
    effort: null,
    start: '2024-01-01T00:00:00Z',
    end: null,
    enrollment_start: null,
    enrollment_end: null,
    pacing: 'instructor',
    media: { course_image: { uri: null } },
  };
}
