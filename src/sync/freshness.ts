import type { CourseEvent } from '../bus/events.js';
import type { CourseSnapshot } from '../openedx/api-types.js';
import { locationOf, UsageKey } from '../openedx/keys.js';
import { DETACHED_BLOCK_TYPES } from '../outline/index.js';

/**
 * Whether a fetched course contradicts the events that asked for it. The LMS serves its block-structure
 * cache, which a celery task rebuilds 30 s (plus queue and collect time) after each publish
 * (openedx/core/djangoapps/content/block_structure/signals.py, tasks.py); until then it answers the previous
 * course, and a dump of that answer would stay wrong until the next publish. The events say what must be
 * true once the cache is current:
 * - a block published (`xblock.published`) is in the structure, one deleted (`xblock.deleted`) is not — the
 *   last event about a block decides;
 * - after `catalog_info.changed`, whose time is the course's `subtree_edited_on`, the newest `edited_on`
 *   of the structure is not older than it (checked only when the LMS exposes `edited_on`).
 * Returns why the structure is stale, or null when nothing contradicts it. Pure.
 */
export function staleness(snapshot: CourseSnapshot, events: readonly CourseEvent[]): string | null {
  const expected = new Map<string, boolean>();
  let editedAtLeast: Date | undefined;
  for (const event of events) {
    if (event.kind !== 'changed') continue;
    if (event.usageKey && !DETACHED_BLOCK_TYPES.has(blockTypeOf(event.usageKey))) {
      if (event.eventType.endsWith('.xblock.published.v1')) expected.set(locationOf(event.usageKey), true);
      else if (event.eventType.endsWith('.xblock.deleted.v1'))
        expected.set(locationOf(event.usageKey), false);
    }
    if (event.catalogInfo && (!editedAtLeast || event.time > editedAtLeast)) editedAtLeast = event.time;
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

  if (editedAtLeast) {
    const newest = newestEdit(snapshot);
    // One second of slack: ce_time and edited_on are written by different processes of the same publish.
    if (newest !== undefined && newest < editedAtLeast.getTime() - 1_000) {
      return `newest edit in the structure (${new Date(newest).toISOString()}) predates the publish at ${editedAtLeast.toISOString()}`;
    }
  }
  return null;
}

function newestEdit(snapshot: CourseSnapshot): number | undefined {
  let newest: number | undefined;
  for (const block of Object.values(snapshot.blocks.blocks)) {
    if (!block.edited_on) continue;
    const at = Date.parse(block.edited_on);
    if (Number.isFinite(at) && (newest === undefined || at > newest)) newest = at;
  }
  return newest;
}

function blockTypeOf(usageKey: string): string {
  return UsageKey.parse(usageKey).blockType;
}
