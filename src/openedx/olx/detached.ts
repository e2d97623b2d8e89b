/** The course's detached blocks in an OLX export (about, course_info, static_tab), as the Blocks API lists them. */
import type { Block } from '../api-types.js';
import { usageKeyFor, type CourseKey } from '../../domain/keys.js';
import type { ExportFiles } from './source.js';
import { lmsUrls } from './blocks.js';
import { defaultDisplayName } from './display-name-defaults.js';

interface Tab {
  type?: string;
  name?: string;
  url_slug?: string;
}

/**
 * The course's detached blocks: `about/*.html` (type about), `info/*.html` (course_info: handouts, updates)
 * and `tabs/*.html` (static_tab, named by the matching entry of the course's `tabs` setting).
 */
export async function readDetachedBlocks(
  files: ExportFiles,
  courseKey: CourseKey,
  tabs: unknown,
): Promise<Block[]> {
  const tabNames = new Map<string, string>();
  for (const tab of Array.isArray(tabs) ? (tabs as Tab[]) : []) {
    if (tab.type === 'static_tab' && tab.url_slug && tab.name) tabNames.set(tab.url_slug, tab.name);
  }
  const out: Block[] = [];
  for (const [dir, type] of [
    ['about', 'about'],
    ['info', 'course_info'],
    ['tabs', 'static_tab'],
  ] as const) {
    const names = (await files.list(dir)).filter((n) => n.endsWith('.html')).sort();
    for (const name of names) {
      const blockId = name.slice(0, -'.html'.length);
      const id = usageKeyFor(courseKey, type, blockId).toString();
      const block = lmsUrls(courseKey, id, blockId, type);
      block.display_name = tabNames.get(blockId) ?? defaultDisplayName(type);
      block.graded = false;
      out.push(block);
    }
  }
  return out;
}
