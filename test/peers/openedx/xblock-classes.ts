/**
 * What the Open edX platform knows of its XBlock classes and course-sink reads through the APIs: the
 * class-level `completion_mode`, `display_name` defaults, the detached types. Shared by the test LMS (which
 * answers with them) and the parity oracle (which writes rows with them), both standing for the platform.
 * Each value names the class it was read from.
 */
import type { ModulestoreBlock } from './modulestore.js';

/** `xmodule.modulestore.store_utilities.DETACHED_XBLOCK_TYPES`: the classes tagged `@XBlock.tag("detached")`. */
export const DETACHED_TYPES: ReadonlySet<string> = new Set(['about', 'course_info', 'static_tab']);

/**
 * `getattr(item, "completion_mode", "")` per block type. XBlock itself defines no `completion_mode`
 * (`xblock/core.py`; only `xblock/completable.py` `CompletableXBlockMixin` sets one, and
 * `XBlockCompletionMode.get_mode` supplies `completable` only as a fallback PPA does not call), and none of the
 * runtime mixins (`XModuleMixin`, `LmsBlockMixin`, `InheritanceMixin`, `EditInfoMixin`) adds one, so a class
 * that does not set it yields `''`.
 */
export const COMPLETION_MODE: Readonly<Record<string, string>> = {
  // xmodule/seq_block.py: SequenceFields.completion_mode = AGGREGATOR, shared by SequenceBlock (sequential and
  // its legacy aliases problemset / videosequence), SectionBlock (chapter) and CourseBlock (a SequenceBlock).
  course: 'aggregator',
  chapter: 'aggregator',
  sequential: 'aggregator',
  problemset: 'aggregator',
  videosequence: 'aggregator',
  // xmodule/vertical_block.py: VerticalBlock inherits SequenceFields.
  vertical: 'aggregator',
  // xmodule/split_test_block.py: SplitTestBlock inherits SequenceMixin(SequenceFields).
  split_test: 'aggregator',
  // xmodule/item_bank_block.py: ItemBankMixin.completion_mode is AGGREGATOR unless
  // FEATURES['MARK_LIBRARY_CONTENT_BLOCK_COMPLETE_ON_VIEW'] (off by default).
  library_content: 'aggregator',
  itembank: 'aggregator',
  // xmodule/discussion_block.py: DiscussionXBlock.completion_mode = EXCLUDED.
  discussion: 'excluded',
  // xmodule/video_block/video_block.py: VideoBlock sets COMPLETABLE (it reports completion itself).
  video: 'completable',
  // open-craft/xblock-poll poll/poll.py: PollBase.completion_mode = COMPLETABLE (PollBlock, SurveyBlock).
  poll: 'completable',
  survey: 'completable',
  // xmodule/html_block.py: HtmlBlockMixin sets none; about, static_tab and course_info are HtmlBlockMixin too.
  html: '',
  about: '',
  static_tab: '',
  course_info: '',
  // xmodule/capa_block.py ProblemBlock, openedx/edx-ora2 OpenAssessmentBlock, openedx/staff_graded-xblock
  // StaffGradedXBlock: none of them sets completion_mode (ScorableXBlockMixin does not either).
  problem: '',
  openassessment: '',
  staffgradedxblock: '',
};

/**
 * Class-level `display_name` defaults: what `display_name_with_default` returns when the block never set the
 * field. A type missing here has `XModuleFields.display_name = None`, so the url_name with `_` → ` ` is used.
 */
export const DISPLAY_NAME_DEFAULT: Readonly<Record<string, string>> = {
  html: 'Text', // xmodule/html_block.py HtmlBlockMixin
  course_info: 'Text', // xmodule/html_block.py CourseInfoBlock (HtmlBlockMixin's field)
  about: 'overview', // xmodule/html_block.py AboutFields
  static_tab: 'Empty', // xmodule/html_block.py StaticTabFields
  problem: 'Blank Problem', // xmodule/capa_block.py ProblemBlock
  discussion: 'Discussion', // xmodule/discussion_block.py DiscussionXBlock
  library_content: 'Randomized Content Block', // xmodule/library_content_block.py
  itembank: 'Problem Bank', // xmodule/item_bank_block.py ItemBankBlock
  split_test: 'Content Experiment', // xmodule/split_test_block.py SplitTestFields
  poll: 'Poll', // xblock-poll poll/poll.py PollBlock
  survey: 'Survey', // xblock-poll poll/poll.py SurveyBlock
  openassessment: 'Open Response Assessment', // edx-ora2 openassessment/xblock/lms_mixin.py
  staffgradedxblock: 'Staff Graded Points', // staff_graded-xblock staff_graded/staff_graded.py
  // Inferred, not confirmed against the files: VideoFields.display_name in video_xfields.py and
  // CourseFields.display_name in course_block.py.
  video: 'Video',
  course: 'Empty',
};

/** `display_name_with_default`: the field (class default when unset) unless None, else the url_name. */
export function displayNameWithDefault(block: ModulestoreBlock): string {
  const set = Object.prototype.hasOwnProperty.call(block.fields, 'display_name');
  const value = set ? block.fields.display_name : (DISPLAY_NAME_DEFAULT[block.type] ?? null);
  // xmodule/capa_block.py overrides the property: a None or blank problem name is its block type.
  if (block.type === 'problem' && (value === null || value === undefined || String(value).trim() === ''))
    return block.type;
  if (value === null || value === undefined) return block.id.replace(/_/g, ' ');
  return String(value);
}
