/**
 * The outline of one course as Aspects numbers it: pure data computed from a BlocksResponse.
 * Produced by src/outline (no I/O) and consumed by every sink.
 */

/** One block in outline order (pre-order DFS of the published tree, then detached blocks). */
export interface OutlineRow {
  /** Usage key with branch and version stripped: `block-v1:Org+Course+Run+type@T+block@ID`. */
  location: string;
  blockId: string;
  blockType: string;
  /** The name as the LMS shows it (runtime defaults applied when the block has none). */
  displayName: string;
  /** 1-based position in the whole outline; the course root is 1. */
  order: number;
  /** Aspects' counters: section (course-global), subsection (per section), unit (per subsection). */
  section: number;
  subsection: number;
  unit: number;
  /** `graded` inherited from the nearest ancestor that sets it (Open edX InheritanceMixin). */
  graded: boolean;
  /** Depth below the course root (root = 0); detached blocks have depth 0. */
  depth: number;
  /** Parent location; null for the root and for detached blocks. */
  parent: string | null;
  /** 0-based position among the parent's children; 0 for the root and detached blocks. */
  position: number;
  /** Blocks that live outside the tree (about, course_info, static_tab). */
  detached: boolean;
  /** XBlock completion mode: 'completable' | 'aggregator' | 'excluded' | ''. */
  completionMode: string;
  /** The published version's `edited_on` (ISO 8601), when the source exposes it. */
  editedOn?: string;
}

/** A parent→child edge of the published tree; `order` is the 0-based index among the parent's children. */
export interface Relationship {
  parentLocation: string;
  childLocation: string;
  order: number;
}

/** What the outline builder noticed but tolerated; logged by the sync, never silently dropped. */
export interface OutlineIssues {
  /** `children` entries that name a block missing from the response: [parent, missing child]. */
  missingChildren: Array<[string, string]>;
  /** Blocks present in the response but not reachable from the root (and not detached): excluded. */
  unreachable: string[];
  /** Blocks reachable by more than one path: the first occurrence wins. */
  duplicates: string[];
}

export interface Outline {
  courseKey: string;
  rootLocation: string;
  rows: OutlineRow[];
  relationships: Relationship[];
  issues: OutlineIssues;
}
