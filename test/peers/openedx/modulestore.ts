/**
 * A course as the Open edX modulestore holds it: the published branch of split mongo, the course's
 * settings (fields of the course block), its CourseOverview row, its VAL video profiles and the platform
 * settings that change what the REST APIs answer. It is the one input of the test LMS/CMS, which derive
 * every answer from it the way edx-platform's views, serializers and transformers do, and of the parity
 * oracle, which derives the rows platform-plugin-aspects' sink would write from it. Nothing here is an API
 * answer: API shapes live in the stand-in's views only.
 */

/** One encoding of a video in edx-val (`edxval/models.py` EncodedVideo + Profile). */
export interface ValEncoding {
  profile: string;
  /** The stored URL; VAL may hold '' for a profile whose file is gone. */
  url: string;
  fileSize: number;
  bitrate: number;
}

/** A video in edx-val, keyed by `edx_video_id`. */
export interface ValVideo {
  edxVideoId: string;
  duration: number;
  encodings: ValEncoding[];
}

/** One XBlock of the published branch. */
export interface ModulestoreBlock {
  /** `scope_ids.block_type`, e.g. `chapter`, `problem`, `discussion`. */
  type: string;
  /** The block id (url_name), e.g. `30b3fbb840024953b2d4b2e700a53002` or `course`. */
  id: string;
  /**
   * Fields explicitly set on the block, by XBlock field name (`display_name`, `graded`, `format`, `start`,
   * `due`, `visible_to_staff_only`, `weight`, `edx_video_id`, `html5_sources`, `youtube_id_1_0`,
   * `transcripts`, `only_on_web`, `data`, …). A field absent here takes the class default, or for an
   * inheritable field (`graded`, `start`, `due`, `visible_to_staff_only`, `format` is not) its parent's value.
   */
  fields: Record<string, unknown>;
  /** Ids of the children, in `get_children()` order. */
  children: string[];
  /** `edit_info.edited_on` of the published version: ISO 8601 with microseconds and `+00:00`. */
  editedOn: string;
}

/** The course-level state outside the block tree that the APIs read. */
export interface CourseOverviewState {
  /** `TimeStampedModel.created` / `modified` of the CourseOverview row: ISO 8601 with microseconds. */
  created: string;
  modified: string;
  /** `CourseOverview.external_id` (set by enterprise/course-discovery integrations), null by default. */
  externalId: string | null;
  /** Whether the LMS lists the course through CourseListView on the default site (site org filters). */
  hiddenByOrgFilter: boolean;
}

/** Platform settings that change the answers of the LMS APIs. */
export interface PlatformSettings {
  /** `COURSE_BLOCKS_API_EXTRA_FIELDS`: `[block type or '*', field name]` pairs. */
  courseBlocksApiExtraFields: Array<[string, string]>;
  /** `VIDEO_CDN_URL` by profile; the LMS rewrites VAL URLs to `edx-video.net` hosts unless set. */
  videoCdnUrls: Record<string, string>;
}

export interface ModulestoreCourse {
  /** `course-v1:Org+Course+Run`. */
  courseKey: string;
  /**
   * The course block is the block of type `course` and id `course`; its `fields` carry the course settings
   * under their CourseFields names (`xmodule/course_block.py`): `display_name`, `display_organization`,
   * `display_coursenumber`, `start`, `end`, `enrollment_start`, `enrollment_end`, `advertised_start`,
   * `announcement`, `self_paced`, `invitation_only`, `max_student_enrollments_allowed`,
   * `enable_proctored_exams`, `entrance_exam_enabled`, `language`, `grading_policy` (`GRADE_CUTOFFS`),
   * `course_image`, `catalog_visibility`, `mobile_available`, `tabs`. Datetimes are ISO 8601 strings.
   * The about pages (`short_description`, `overview`, `effort`, …) are `about` blocks with a `data` field.
   */
  /**
   * Every block of the published branch in modulestore order (what `get_items()` returns): the tree
   * under `course` plus detached blocks (about, course_info, static_tab) and orphans.
   */
  blocks: ModulestoreBlock[];
  /** The discussion provider of the course (`DiscussionsConfiguration.provider_type`). */
  discussionProvider: 'openedx' | 'legacy';
  overview: CourseOverviewState;
  /** edx-val's videos used by the course's video blocks (by `edx_video_id`). */
  val: ValVideo[];
}
