import type { CourseSnapshot } from '../../src/openedx/api-types.js';
import type {
  ModulestoreBlock,
  ModulestoreCourse,
  PlatformSettings,
  ValVideo,
} from '../peers/openedx/modulestore.js';
import { lmsSnapshot } from '../peers/openedx/snapshot.js';

export interface SyntheticCourseOptions {
  /** About how many blocks the course has (the root included); the shape is filled until this is reached. */
  blocks: number;
  courseKey?: string;
}

const SUBSECTIONS_PER_SECTION = 4;
const UNITS_PER_SUBSECTION = 3;
const LEAVES = ['html', 'video', 'problem', 'html'] as const;
const EDITED_BASE_MS = Date.UTC(2024, 0, 15, 9, 0, 0);

/**
 * A deterministic course shaped like a real one, as the modulestore holds it — sections of subsections of
 * units of html, video and problem leaves, every third subsection graded, videos with VAL encodings.
 * Built in one pass, so 100k blocks take well under a second.
 */
export function syntheticCourse(options: SyntheticCourseOptions): ModulestoreCourse {
  const courseKey = options.courseKey ?? 'course-v1:SynthX+Load101+2024';
  const target = Math.max(1, options.blocks);
  const blocks: ModulestoreBlock[] = [];
  const val: ValVideo[] = [];

  const add = (type: string, id: string, fields: Record<string, unknown>): ModulestoreBlock => {
    const micros = String(blocks.length % 1_000_000).padStart(6, '0');
    const editedOn = `${new Date(EDITED_BASE_MS + blocks.length * 1000).toISOString().slice(0, 19)}.${micros}+00:00`;
    const block: ModulestoreBlock = { type, id, fields, children: [], editedOn };
    blocks.push(block);
    return block;
  };

  const root = add('course', 'course', {
    display_name: `Synthetic Course ${target}`,
    start: '2024-01-01T00:00:00+00:00',
  });
  for (let s = 1; blocks.length < target; s++) {
    const section = add('chapter', `s${s}`, { display_name: `Section ${s}` });
    root.children.push(section.id);
    for (let ss = 1; ss <= SUBSECTIONS_PER_SECTION && blocks.length < target; ss++) {
      const graded = ss % 3 === 0;
      const subsection = add('sequential', `s${s}_ss${ss}`, {
        display_name: `Subsection ${s}.${ss}`,
        ...(graded ? { graded: true, format: 'Homework' } : {}),
      });
      section.children.push(subsection.id);
      for (let u = 1; u <= UNITS_PER_SUBSECTION && blocks.length < target; u++) {
        const unitId = `s${s}_ss${ss}_u${u}`;
        const unit = add('vertical', unitId, { display_name: `Unit ${s}.${ss}.${u}` });
        subsection.children.push(unit.id);
        LEAVES.forEach((type, i) => {
          if (blocks.length >= target) return;
          const leafId = `${unitId}_${type}${i}`;
          const fields: Record<string, unknown> = { display_name: `${type} ${leafId}` };
          if (type === 'video') {
            fields.edx_video_id = `vid-${leafId}`;
            fields.youtube_id_1_0 = leafId;
            val.push({
              edxVideoId: `vid-${leafId}`,
              duration: 120,
              encodings: [
                {
                  profile: 'desktop_mp4',
                  url: `https://videos.example.test/${leafId}.mp4`,
                  fileSize: 1_048_576,
                  bitrate: 2000,
                },
              ],
            });
          }
          unit.children.push(add(type, leafId, fields).id);
        });
      }
    }
  }
  return {
    courseKey,
    blocks,
    discussionProvider: 'openedx',
    overview: {
      created: '2024-01-01T00:00:00.000000+00:00',
      modified: '2024-01-15T09:00:00.000000+00:00',
      externalId: null,
      hiddenByOrgFilter: false,
    },
    val,
  };
}

/** The fields course-sink's README asks operators to expose (COURSE_BLOCKS_API_EXTRA_FIELDS). */
export const EXTRA_FIELDS: PlatformSettings['courseBlocksApiExtraFields'] = [
  ['video', 'edx_video_id'],
  ['*', 'edited_on'],
  ['*', 'completion_mode'],
];

/** The synthetic course as course-sink reads it from the stand-in LMS, extra fields exposed. */
export function syntheticSnapshot(options: SyntheticCourseOptions): CourseSnapshot {
  return lmsSnapshot(syntheticCourse(options), { settings: { courseBlocksApiExtraFields: EXTRA_FIELDS } });
}
