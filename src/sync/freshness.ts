import { instantToDate, tryParseInstant } from '../domain/datetime.js';
import type { CatalogInfo } from '../domain/catalog.js';
import type { CourseEvent } from '../domain/events.js';
import type { CourseSnapshot } from '../openedx/api-types.js';
import { locationOf, UsageKey } from '../domain/keys.js';
import { DETACHED_BLOCK_TYPES } from '../outline/index.js';

/**
 * Whether a fetched course contradicts the events that asked for it. The LMS serves its block-structure
 * cache, which a celery task rebuilds 30 s (plus queue and collect time) after each publish
 * (openedx/core/djangoapps/content/block_structure/signals.py, tasks.py); until then it answers the previous
 * course, and a dump of that answer would stay wrong until the next publish. The events say what must be
 * true once the cache is current:
 * - a block published (`xblock.published`) is in the structure, one deleted (`xblock.deleted`) is not — the
 *   last event about a block decides;
 * - after `catalog_info.changed`, the course root carries the name and start the event carries: the course
 *   block is auto-published (no draft differs from it), so only a stale cache can disagree, and edits of the
 *   course's settings send no `xblock.published` at all.
 * Returns why the structure is stale, or null when nothing contradicts it. Pure.
 */
export function staleness(snapshot: CourseSnapshot, events: readonly CourseEvent[]): string | null {
  const expected = new Map<string, boolean>();
  let catalog: CatalogInfo | undefined;
  for (const event of events) {
    if (event.kind !== 'changed') continue;
    if (event.usageKey && !DETACHED_BLOCK_TYPES.has(blockTypeOf(event.usageKey))) {
      if (event.eventType.endsWith('.xblock.published.v1')) expected.set(locationOf(event.usageKey), true);
      else if (event.eventType.endsWith('.xblock.deleted.v1'))
        expected.set(locationOf(event.usageKey), false);
    }
    if (event.catalogInfo) catalog = event.catalogInfo;
  }

  if (expected.size > 0) {
    const present = new Set(Object.keys(snapshot.blocks.blocks).map(locationOf));
    for (const [location, mustExist] of expected) {
      if (present.has(location) !== mustExist) {
        return mustExist
          ? `published block ${location} is not in the structure yet`
          : `deleted block ${location} is still in the structure`;
      }
    }
  }

  const root = snapshot.blocks.blocks[snapshot.blocks.root];
  if (catalog && root) {
    if (root.display_name !== catalog.name)
      return `the course is named ${JSON.stringify(root.display_name)} in the structure, ${JSON.stringify(catalog.name)} in the event`;
    const start = tryParseInstant(root.start);
    const expectedStart = tryParseInstant(catalog.schedule.start);
    // Compared to the millisecond, as the LMS and the event each round what they print.
    if (start && expectedStart && instantToDate(start).getTime() !== instantToDate(expectedStart).getTime())
      return `the course starts ${root.start} in the structure, ${catalog.schedule.start} in the event`;
  }
  return null;
}

function blockTypeOf(usageKey: string): string {
  return UsageKey.parse(usageKey).blockType;
}
