/**
 * Open edX `display_name_with_default` for a name the Blocks API returned. The API already applies each
 * field's class default (html "Text", problem "Blank Problem", …) and sends '' only when the field is None
 * or blank, where edx-platform falls back to the url_name with underscores as spaces
 * (`xmodule/block_metadata_utils.py`) — except ProblemBlock, which falls back to its block type.
 */
export function displayNameWithDefault(displayName: string, blockType: string, blockId: string): string {
  if (displayName.trim() !== '') return displayName;
  if (blockType === 'problem') return blockType;
  if (displayName !== '') return displayName;
  return blockId.replace(/_/g, ' ');
}
