/**
 * The course name as the modulestore holds it, from what the LMS Courses API sends. The API's `name` is
 * `display_name_with_default_escaped` (xmodule/block_metadata_utils.py), which escapes `<` and `>` and
 * nothing else, so exactly that is undone: a course named `R&amp;D` in Studio is stored as `R&amp;D`,
 * as Aspects' own sink (reading the modulestore) stores it.
 */
export function courseNameFromApi(name: string): string {
  return name.replaceAll('&lt;', '<').replaceAll('&gt;', '>');
}
