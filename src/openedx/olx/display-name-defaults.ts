/**
 * The class default of the `display_name` field of common XBlocks — what the LMS (and so the Blocks API)
 * reports for a block whose OLX sets no name. Containers (course, chapter, sequential, vertical) have no
 * default, which the API sends as ''.
 *
 * Read from the block classes: edx-platform HtmlBlockMixin "Text", ProblemBlock "Blank Problem",
 * LegacyLibraryContentBlock "Randomized Content Block", AboutFields "overview", StaticTabFields "Empty",
 * DiscussionXBlock "Discussion", xblock-drag-and-drop-v2 "Drag and Drop", staff_graded-xblock "Staff Graded
 * Points", edx-ora2 "Open Response Assessment" (lms_mixin.py;
 * its `<title>` element is another field); the rest from the block packages.
 */
const DISPLAY_NAME_DEFAULTS: Readonly<Record<string, string>> = {
  html: 'Text',
  course_info: 'Text',
  about: 'overview',
  static_tab: 'Empty',
  problem: 'Blank Problem',
  video: 'Video',
  discussion: 'Discussion',
  library_content: 'Randomized Content Block',
  itembank: 'Problem Bank',
  'drag-and-drop-v2': 'Drag and Drop',
  lti: 'LTI',
  annotatable: 'Annotation',
  poll: 'Poll',
  survey: 'Survey',
  edx_sga: 'Staff Graded Assignment',
  staffgradedxblock: 'Staff Graded Points',
  openassessment: 'Open Response Assessment',
  split_test: 'Content Experiment',
  word_cloud: 'Word cloud',
};

export function defaultDisplayName(blockType: string): string {
  return DISPLAY_NAME_DEFAULTS[blockType] ?? '';
}
