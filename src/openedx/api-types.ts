import { z } from 'zod';

/**
 * The two LMS responses course-sink reads, validated at the boundary. Both the LMS client and the
 * OLX reader produce exactly these shapes, so everything downstream has one input format.
 *
 * Field presence follows the LMS serializers: a field the LMS has no data for is absent (not null),
 * `children` is absent on leaves, and `display_name` is '' rather than null.
 */

/**
 * One block of `GET /api/courses/v2/blocks/{root usage key}/?all_blocks=true&depth=all` (BlocksView).
 * `edited_on`, `completion_mode` and a video's `edx_video_id` are sent only when the operator lists them in
 * `COURSE_BLOCKS_API_EXTRA_FIELDS` (lms/djangoapps/course_api/blocks/transformers/extra_fields.py).
 */
export const BlockSchema = z
  .object({
    id: z.string().min(1),
    block_id: z.string().min(1),
    type: z.string().min(1),
    display_name: z.string(),
    lms_web_url: z.string().optional(),
    legacy_web_url: z.string().optional(),
    student_view_url: z.string().optional(),
    children: z.array(z.string()).optional(),
    graded: z.boolean().optional(),
    format: z.string().nullable().optional(),
    start: z.string().nullable().optional(),
    due: z.string().nullable().optional(),
    visible_to_staff_only: z.boolean().optional(),
    has_score: z.boolean().optional(),
    weight: z.number().nullable().optional(),
    student_view_data: z.unknown().optional(),
    student_view_multi_device: z.boolean().optional(),
    block_counts: z.record(z.string(), z.number()).optional(),
    descendants: z.array(z.string()).optional(),
    edited_on: z.string().optional(),
    completion_mode: z.string().optional(),
    edx_video_id: z.string().optional(),
  })
  .loose();
export type Block = z.infer<typeof BlockSchema>;

/**
 * What course-sink reads of a block, and nothing else: the outline (ids, type, children, graded), the rows
 * (name, edited_on, completion_mode), the freshness check (the course block's start) and the export manifest
 * (a video's VAL id and student_view_data). Large courses are kept in this form while their answer streams
 * in, so everything else the API sends (URLs, student_view_data of other types…) is dropped block by block;
 * `intern` lets the strings a course repeats be held once.
 */
export function compactBlock(block: Block, intern: (text: string) => string = (text) => text): Block {
  const out: Block = {
    id: intern(block.id),
    block_id: block.block_id,
    type: intern(block.type),
    display_name: block.display_name,
  };
  if (block.children !== undefined) out.children = block.children.map(intern);
  if (block.graded !== undefined) out.graded = block.graded;
  if (block.edited_on !== undefined) out.edited_on = block.edited_on;
  if (block.completion_mode !== undefined) out.completion_mode = intern(block.completion_mode);
  if (block.type === 'course' && block.start !== undefined) out.start = block.start;
  if (block.type === 'video') {
    if (block.edx_video_id !== undefined) out.edx_video_id = block.edx_video_id;
    if (block.student_view_data !== undefined) out.student_view_data = block.student_view_data;
  }
  return out;
}

/**
 * One copy of each string that a course repeats: every block id appears as its key, its `id` and in its
 * parent's `children`, and types and completion modes are a handful of values.
 */
export function stringInterner(): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    const known = seen.get(text);
    if (known !== undefined) return known;
    seen.set(text, text);
    return text;
  };
}

/** The Blocks API response with `return_type=dict` (the default). */
export const BlocksResponseSchema = z.object({
  root: z.string().min(1),
  blocks: z.record(z.string(), BlockSchema),
});
export type BlocksResponse = z.infer<typeof BlocksResponseSchema>;

/**
 * One encoding of a video in the video block's `student_view_data.encoded_videos`. The LMS rewrites VAL's
 * URLs to its CDN (xmodule/video_block/video_utils.py `rewrite_video_url`), which can leave `url` null.
 */
export const EncodedVideoSchema = z
  .object({ url: z.string().nullable(), file_size: z.number().nullable().optional() })
  .loose();
export type EncodedVideo = z.infer<typeof EncodedVideoSchema>;

/** `student_view_data` of a `video` block, as the video XBlock's student_view_data() returns it. */
export const VideoStudentViewDataSchema = z
  .object({
    only_on_web: z.boolean().optional(),
    duration: z.number().nullable().optional(),
    transcripts: z.record(z.string(), z.string()).optional(),
    encoded_videos: z.record(z.string(), EncodedVideoSchema).optional(),
    all_sources: z.array(z.string()).optional(),
  })
  .loose();
export type VideoStudentViewData = z.infer<typeof VideoStudentViewDataSchema>;

const MediaUri = z.object({ uri: z.string().nullable().optional() }).loose();

/** `GET /api/courses/v1/courses/{course_key}/` (CourseDetailSerializer). Datetimes are ISO-8601 or null. */
export const CourseDetailSchema = z
  .object({
    id: z.string().min(1),
    course_id: z.string().optional(),
    /** HTML-escaped by the LMS (display_name_with_default_escaped): unescape before storing. */
    name: z.string(),
    number: z.string(),
    org: z.string(),
    short_description: z.string().nullable().optional(),
    effort: z.string().nullable().optional(),
    start: z.string().nullable(),
    end: z.string().nullable().optional(),
    enrollment_start: z.string().nullable().optional(),
    enrollment_end: z.string().nullable().optional(),
    start_display: z.string().nullable().optional(),
    start_type: z.string().optional(),
    pacing: z.enum(['instructor', 'self']).or(z.string()),
    mobile_available: z.boolean().optional(),
    hidden: z.boolean().optional(),
    invitation_only: z.boolean().optional(),
    blocks_url: z.string().optional(),
    overview: z.string().nullable().optional(),
    certificate_available_date: z.string().nullable().optional(),
    media: z
      .object({
        banner_image: z
          .object({ uri: z.string().nullable().optional(), uri_absolute: z.string().nullable().optional() })
          .loose()
          .optional(),
        course_image: MediaUri.optional(),
        course_video: MediaUri.optional(),
        image: z
          .object({
            raw: z.string().nullable().optional(),
            small: z.string().nullable().optional(),
            large: z.string().nullable().optional(),
          })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type CourseDetail = z.infer<typeof CourseDetailSchema>;

/** The envelope of paginated LMS list endpoints (edx-drf-extensions NamespacedPageNumberPagination). */
export const PaginatedSchema = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    results: z.array(item),
    pagination: z
      .object({
        next: z.string().nullable(),
        previous: z.string().nullable().optional(),
        count: z.number().optional(),
        num_pages: z.number().optional(),
      })
      .loose(),
  });

/** `GET /api/courses/v1/course_ids/` (CourseIdListView): a page of course keys. */
export const CourseIdPageSchema = PaginatedSchema(z.string().min(1));

/**
 * What Studio holds about a course that the LMS APIs do not expose, read from the CMS REST APIs (or from
 * the OLX export's policy): all of it is the published state, since the course block and static tabs are
 * auto-published types (cms/djangoapps/contentstore: DIRECT_ONLY_CATEGORIES).
 */
export interface StudioCourseData {
  /** Advanced settings by field name (CourseMetadata.fetch_all), values only. */
  advancedSettings: Record<string, unknown>;
  /** The lowest grade cutoff (CourseOverview.lowest_passing_grade), null when the course has none. */
  lowestPassingGrade: number | null;
  /** The course's static tabs (custom pages) in tab order. */
  staticTabs: Array<{ id: string; name: string }>;
}

/** A taxonomy of Studio's content tagging (openedx_tagging Taxonomy). */
export interface TaxonomyRecord {
  id: number;
  name: string;
  exportId: string;
}

/** A tag of a taxonomy, with its real primary key (aspects-dbt joins tag ids as Int32 against it). */
export interface TagRecord {
  id: number;
  taxonomyId: number;
  parentId: number | null;
  value: string;
  externalId: string | null;
  /** Values from the root tag down to this one (Tag.get_lineage). */
  lineage: string[];
}

/** The content tags of one course: every taxonomy and tag, and what is applied to the course and its blocks. */
export interface CourseTags {
  /** Tag ids applied to each object (course key or block usage key), ancestors included, sorted. */
  idsByObject: Record<string, number[]>;
  taxonomies: TaxonomyRecord[];
  tags: TagRecord[];
  objectTags: Array<{
    objectId: string;
    taxonomyId: number;
    tagId: number;
    value: string;
    exportId: string;
    lineage: string[];
  }>;
}

/** Everything one course sync reads about a course, from the LMS or from an OLX export. */
export interface CourseSnapshot {
  courseKey: string;
  detail: CourseDetail;
  blocks: BlocksResponse;
  /** Absent when no Studio is configured (CMS_BASE_URL unset): the rows then lack what only Studio knows. */
  studio?: StudioCourseData;
  /** Content tags from Studio's tagging API; absent when tags are off or no Studio is configured. */
  tags?: CourseTags;
  /** Where it came from, for logs: 'lms' or 'olx:<path>'. */
  source: string;
}
