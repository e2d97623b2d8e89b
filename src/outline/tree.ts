import type { Block, BlocksResponse } from '../openedx/api-types.js';
import type { OutlineIssues } from './types.js';
import { OutlineCycleError, InvalidOutlineError } from './errors.js';

/** Blocks that belong to a course but hang off no parent (edx-platform `DETACHED_XBLOCK_TYPES`). */
export const DETACHED_BLOCK_TYPES: ReadonlySet<string> = new Set(['about', 'course_info', 'static_tab']);

/** One block reached by the walk, with where it was reached from. */
export interface TreeEntry {
  id: string;
  block: Block;
  depth: number;
  parent: string | null;
  /** 0-based index among the parent's children that made it into the tree. */
  position: number;
}

export interface WalkedTree {
  entries: TreeEntry[];
  /**
   * Blocks of detached types not reached from the root, in the order the source lists them: the
   * modulestore's order, which is the order Aspects' sink appends them in.
   */
  detached: Block[];
  issues: OutlineIssues;
}

interface Frame {
  entry: TreeEntry;
  children: readonly string[];
  next: number;
  placed: number;
}

/**
 * Pre-order depth-first walk from `root` in `children` order — the order Aspects' sink emits blocks in.
 * Children naming absent blocks are skipped, a block reached a second time keeps its first place, and a
 * block that is its own ancestor is an error. An explicit stack keeps very deep trees off the call stack.
 */
export function walkTree(response: BlocksResponse, courseKey: string): WalkedTree {
  const { blocks, root } = response;
  const rootBlock = blocks[root];
  if (!rootBlock)
    throw new InvalidOutlineError(courseKey, `the root ${root} is not among the returned blocks`);

  const issues: OutlineIssues = { missingChildren: [], unreachable: [], duplicates: [] };
  const entries: TreeEntry[] = [];
  const visited = new Set<string>();
  const duplicates = new Set<string>();
  const onPath = new Set<string>();
  const stack: Frame[] = [];

  const enter = (entry: TreeEntry): void => {
    entries.push(entry);
    visited.add(entry.id);
    onPath.add(entry.id);
    stack.push({ entry, children: entry.block.children ?? [], next: 0, placed: 0 });
  };

  enter({ id: root, block: rootBlock, depth: 0, parent: null, position: 0 });
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.children.length) {
      onPath.delete(frame.entry.id);
      stack.pop();
      continue;
    }
    const childId = frame.children[frame.next++]!;
    const child = blocks[childId];
    if (!child) {
      issues.missingChildren.push([frame.entry.id, childId]);
    } else if (onPath.has(childId)) {
      throw new OutlineCycleError(courseKey, childId, frame.entry.id);
    } else if (visited.has(childId)) {
      duplicates.add(childId);
    } else {
      enter({
        id: childId,
        block: child,
        depth: frame.entry.depth + 1,
        parent: frame.entry.id,
        position: frame.placed++,
      });
    }
  }
  issues.duplicates = [...duplicates];

  const detached: Block[] = [];
  for (const [id, block] of Object.entries(blocks)) {
    if (visited.has(id)) continue;
    if (DETACHED_BLOCK_TYPES.has(block.type)) detached.push(block);
    else issues.unreachable.push(id);
  }
  issues.unreachable.sort(compare);
  return { entries, detached, issues };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
