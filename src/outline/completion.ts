/**
 * The `completion_mode` class attribute of the common XBlocks, as Aspects' sink reads it with
 * `getattr(item, "completion_mode", "")`. Blocks whose class declares none get '' there, even though the
 * completion service treats them as completable (XBlockCompletionMode.get_mode defaults to COMPLETABLE).
 *
 * Sources: edx-platform `xmodule/seq_block.py` (SequenceFields: AGGREGATOR, inherited by SequenceBlock, which
 * also backs course/chapter and the legacy problemset/videosequence, and by VerticalBlock),
 * `xmodule/library_content_block.py` (AGGREGATOR unless MARK_LIBRARY_CONTENT_BLOCK_COMPLETE_ON_VIEW),
 * `xmodule/video_block/video_block.py` (COMPLETABLE), `xmodule/discussion_block.py` (EXCLUDED).
 * split_test, conditional, itembank and unit are containers assumed to aggregate like the others.
 */
const COMPLETION_MODES: Readonly<Record<string, string>> = {
  course: 'aggregator',
  chapter: 'aggregator',
  sequential: 'aggregator',
  problemset: 'aggregator',
  videosequence: 'aggregator',
  vertical: 'aggregator',
  unit: 'aggregator',
  library_content: 'aggregator',
  itembank: 'aggregator',
  split_test: 'aggregator',
  conditional: 'aggregator',
  video: 'completable',
  discussion: 'excluded',
  // open-craft/xblock-poll: PollBase and SurveyBlock declare COMPLETABLE.
  poll: 'completable',
  survey: 'completable',
};

export function completionModeOf(blockType: string): string {
  return COMPLETION_MODES[blockType] ?? '';
}
