/**
 * A synthetic course that puts every case where a copy of Aspects' sink can go wrong into one modulestore
 * description: discussion blocks mid-tree under the `openedx` provider, a display organization, names with
 * markup and quotes, legacy `problemset` / `videosequence` containers, poll / survey / ORA / staff-graded
 * blocks, library_content and split_test children, VAL encodings that the CDN rewrite turns into null URLs,
 * detached blocks (one early in modulestore order), an orphan, unset / None / empty display names, graded
 * inheritance, every course_data_json setting, grade cutoffs and a CourseOverview external id.
 */
import type { ModulestoreBlock, ModulestoreCourse } from './modulestore.js';

export const EDGE_COURSE_KEY = 'course-v1:EdgeOrg+EDGE101+2025_T1';

/** The name authors gave the course: `&amp;` is literal text, not an escaped `&`. */
export const EDGE_COURSE_NAME = `R&amp;D <b>Edge</b> & "Quotes" 'n' Überblick`;

const BASE_EDITED_ON_MS = Date.parse('2025-02-03T04:05:06Z');

type Spec = [type: string, id: string, fields?: Record<string, unknown>, children?: string[]];

/** The blocks in modulestore order: `about/overview` sits early, the orphan mid-list, the rest after the tree. */
const SPECS: Spec[] = [
  [
    'course',
    'course',
    {
      display_name: EDGE_COURSE_NAME,
      display_organization: 'Edge Display Org',
      display_coursenumber: 'E-101',
      start: '2025-01-01T00:00:00Z',
      end: '2025-06-30T12:30:00.250000+00:00',
      enrollment_start: '2024-12-01T00:00:00Z',
      enrollment_end: '2025-01-15T08:00:00.000001+00:00',
      advertised_start: 'Spring 2025',
      announcement: '2024-11-20T09:30:00.5+00:00',
      self_paced: false,
      invitation_only: true,
      max_student_enrollments_allowed: 500,
      enable_proctored_exams: true,
      entrance_exam_enabled: true,
      language: 'fr',
      grading_policy: {
        GRADER: [{ type: 'Homework', min_count: 1, drop_count: 0, short_label: 'HW', weight: 1.0 }],
        GRADE_CUTOFFS: { A: 0.9, B: 0.8, Pass: 0.555 },
      },
      tabs: [
        { type: 'courseware', name: 'Course' },
        { type: 'static_tab', name: 'Syllabus & "Rules"', url_slug: 'syllabus' },
      ],
    },
    ['ch_intro', 'edge_chapter_2'],
  ],
  ['about', 'overview', { data: '<section class="about"><h2>About</h2></section>' }],
  [
    'chapter',
    'ch_intro',
    { display_name: 'Intro & Überblick' },
    ['seq_graded', 'legacy_problemset', 'seq_tools', 'legacy_videos'],
  ],
  [
    'sequential',
    'seq_graded',
    { display_name: `Homework <b>1</b>`, graded: true, format: 'Homework' },
    ['v_problems', 'v_videos'],
  ],
  ['vertical', 'v_problems', { display_name: `Unit 'one'` }, ['edge_problem_1', 'disc_mid', 'html_empty']],
  ['problem', 'edge_problem_1', { display_name: null, weight: 2 }],
  ['discussion', 'disc_mid', { discussion_id: 'disc-1', discussion_category: 'Week 1' }],
  ['html', 'html_empty', { display_name: '', data: '<p>x</p>' }],
  [
    'vertical',
    'v_videos',
    { display_name: 'Videos "all"' },
    ['video_good', 'video_null_url', 'video_youtube'],
  ],
  ['video', 'video_good', { display_name: 'Good encodings', edx_video_id: 'vid-good' }],
  ['video', 'video_null_url', { display_name: 'Lost file', edx_video_id: 'vid-null' }],
  ['video', 'video_youtube', { display_name: 'YouTube only', youtube_id_1_0: 'dQw4w9WgXcQ' }],
  ['html', 'orphan_html', { display_name: 'Orphan, never reached', data: '<p>orphan</p>' }],
  ['problemset', 'legacy_problemset', { display_name: 'Legacy problem set' }, ['ps_problem']],
  ['problem', 'ps_problem', {}],
  ['sequential', 'seq_tools', { display_name: 'Tools' }, ['v_tools']],
  ['vertical', 'v_tools', {}, ['poll_1', 'survey_1', 'ora_1', 'sgx_1', 'lib_1', 'split_1', 'disc_after']],
  ['poll', 'poll_1', { display_name: 'Poll: features' }],
  ['survey', 'survey_1', {}],
  ['openassessment', 'ora_1', {}],
  ['staffgradedxblock', 'sgx_1', { display_name: 'Staff graded & checked' }],
  [
    'library_content',
    'lib_1',
    { max_count: 1, source_library_id: 'library-v1:EdgeOrg+Lib' },
    ['lib_p1', 'lib_p2'],
  ],
  ['problem', 'lib_p1', { display_name: 'Library problem 1' }],
  ['problem', 'lib_p2', { display_name: 'Library problem 2' }],
  ['split_test', 'split_1', { user_partition_id: 7 }, ['split_a', 'split_b']],
  ['vertical', 'split_a', { display_name: 'Group A' }, ['split_a_html']],
  ['html', 'split_a_html', {}],
  ['vertical', 'split_b', { display_name: 'Group B' }, []],
  ['discussion', 'disc_after', { display_name: 'After the experiment' }],
  ['videosequence', 'legacy_videos', {}, ['legacy_video']],
  ['video', 'legacy_video', { display_name: 'Legacy video', edx_video_id: 'vid-good' }],
  ['chapter', 'edge_chapter_2', {}, ['seq_last']],
  ['sequential', 'seq_last', { display_name: 'Last' }, ['v_last']],
  ['vertical', 'v_last', { display_name: 'Last unit' }, ['disc_last']],
  ['discussion', 'disc_last', { display_name: 'Última discusión' }],
  ['about', 'effort', { data: '3 hours/week' }],
  ['about', 'short_description', { data: 'Edge cases & more' }],
  ['static_tab', 'syllabus', { display_name: 'Syllabus & "Rules"', data: '<p>Rules</p>' }],
  ['course_info', 'updates', { items: [], data: '<ol></ol>' }],
  ['course_info', 'handouts', { data: '<ol></ol>' }],
];

function editedOn(position: number): string {
  // Whole second for the course block (Python's str() then prints no fraction), microseconds after it.
  const ms = BASE_EDITED_ON_MS + Math.floor(position / 1000);
  const micro = (position % 1000) * 1000 + (position % 7);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(position === 0 ? 0 : micro).padStart(6, '0')}+00:00`;
}

/**
 * A fresh copy of the edge course; `edit` may change it (add blocks, flip settings) to make variants.
 */
export function edgeCourse(edit?: (course: ModulestoreCourse) => void): ModulestoreCourse {
  const blocks: ModulestoreBlock[] = SPECS.map(([type, id, fields = {}, children = []], i) => ({
    type,
    id,
    fields: structuredClone(fields),
    children: [...children],
    editedOn: editedOn(i),
  }));
  const course: ModulestoreCourse = {
    courseKey: EDGE_COURSE_KEY,
    blocks,
    discussionProvider: 'openedx',
    overview: {
      created: '2024-10-01T10:00:00.123456+00:00',
      modified: '2025-02-03T04:05:06+00:00',
      externalId: 'ext-edge-42',
      hiddenByOrgFilter: false,
    },
    val: [
      {
        edxVideoId: 'vid-good',
        duration: 125.5,
        encodings: [
          {
            profile: 'desktop_mp4',
            url: 'https://media.example/edge/good.mp4',
            fileSize: 1000,
            bitrate: 800,
          },
          { profile: 'youtube', url: 'dQw4w9WgXcQ', fileSize: 0, bitrate: 0 },
        ],
      },
      {
        edxVideoId: 'vid-null',
        duration: 60,
        encodings: [
          // VAL keeps '' for a profile whose file is gone; the LMS's CDN rewrite turns it into url: null.
          { profile: 'desktop_mp4', url: '', fileSize: 0, bitrate: 0 },
          {
            profile: 'mobile_low',
            url: 'https://media.example/edge/null-low.mp4',
            fileSize: 10,
            bitrate: 100,
          },
        ],
      },
    ],
  };
  edit?.(course);
  return course;
}

/** Finds a block of a course by id, for variants. */
export function blockOf(course: ModulestoreCourse, id: string): ModulestoreBlock {
  const block = course.blocks.find((b) => b.id === id);
  if (!block) throw new Error(`no block ${id} in ${course.courseKey}`);
  return block;
}
