/**
 * The platform-side reading of a modulestore course that several views share: the course block, runtime
 * field values with XBlock inheritance, usage keys and absolute URLs. Pure.
 */
import type { ModulestoreBlock, ModulestoreCourse, PlatformSettings } from './modulestore.js';

export const DEFAULT_PLATFORM_SETTINGS: PlatformSettings = {
  courseBlocksApiExtraFields: [],
  videoCdnUrls: {},
};

/**
 * Fields of `InheritanceMixin` (xmodule/modulestore/inheritance.py) that the APIs read: a block that does
 * not set one takes its parent's runtime value.
 */
const INHERITED_FIELDS = ['graded', 'start', 'due', 'visible_to_staff_only'] as const;
export type InheritedField = (typeof INHERITED_FIELDS)[number];

/** Class defaults of those fields (InheritanceMixin; `start` is DEFAULT_START_DATE). */
const INHERITED_DEFAULTS: Record<InheritedField, unknown> = {
  graded: false,
  start: '2030-01-01T00:00:00+00:00',
  due: null,
  visible_to_staff_only: false,
};

export function courseBlock(course: ModulestoreCourse): ModulestoreBlock {
  const root = course.blocks.find((b) => b.type === 'course' && b.id === 'course');
  if (!root) throw new Error(`${course.courseKey} has no course block`);
  return root;
}

export function keyParts(courseKey: string): { org: string; course: string; run: string } {
  const m = /^course-v1:([^+]+)\+([^+]+)\+([^+]+)$/.exec(courseKey);
  if (!m) throw new Error(`not a course-v1 key: ${courseKey}`);
  return { org: m[1]!, course: m[2]!, run: m[3]! };
}

export function usageKeyOf(courseKey: string, block: Pick<ModulestoreBlock, 'type' | 'id'>): string {
  return `block-v1:${courseKey.slice('course-v1:'.length)}+type@${block.type}+block@${block.id}`;
}

export interface RuntimeBlock {
  block: ModulestoreBlock;
  usageKey: string;
  parent: RuntimeBlock | null;
  /** Loaded children, in `get_children()` order; a block reached a second time keeps its first place. */
  children: RuntimeBlock[];
  /** Runtime values of the inheritable fields. */
  inherited: Record<InheritedField, unknown>;
}

/**
 * The course tree as the runtime sees it: `get_children()` from the course block (children the modulestore
 * cannot load are dropped), each block with its inherited field values. Detached blocks and orphans are not
 * in it (openedx/core/djangoapps/content/block_structure/factory.py walks `get_children()` from the root).
 */
export function runtimeTree(course: ModulestoreCourse): Map<string, RuntimeBlock> {
  const byId = new Map<string, ModulestoreBlock>();
  for (const b of course.blocks) if (!byId.has(b.id)) byId.set(b.id, b);
  const out = new Map<string, RuntimeBlock>();
  const visit = (block: ModulestoreBlock, parent: RuntimeBlock | null): void => {
    const usageKey = usageKeyOf(course.courseKey, block);
    if (out.has(usageKey)) return;
    const inherited = {} as Record<InheritedField, unknown>;
    for (const field of INHERITED_FIELDS) {
      inherited[field] =
        field in block.fields
          ? block.fields[field]
          : parent
            ? parent.inherited[field]
            : INHERITED_DEFAULTS[field];
    }
    const node: RuntimeBlock = { block, usageKey, parent, inherited, children: [] };
    out.set(usageKey, node);
    parent?.children.push(node);
    for (const childId of block.children) {
      const child = byId.get(childId);
      if (child) visit(child, node);
    }
  };
  visit(courseBlock(course), null);
  return out;
}

/** Python truthiness of a field value, as the serializers' `bool()` reads it. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** DRF's JSONEncoder for an aware datetime: `isoformat()`, `+00:00` written as `Z`, microseconds kept. */
export function drfJsonDatetime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso.trim());
  if (!m) throw new Error(`not an ISO 8601 datetime: ${iso}`);
  const [, date, time, frac = '', zone = 'Z'] = m;
  if (zone === 'Z' || zone === '+00:00') {
    const micros = frac ? `.${frac.slice(1).padEnd(6, '0')}` : '';
    return `${date}T${time}${micros.replace(/\.000000$/, '')}Z`;
  }
  // Datetimes are normalized to UTC on the way in (settings.TIME_ZONE = 'UTC').
  const utc = new Date(`${date}T${time}${zone}`).toISOString().slice(0, 19);
  const micros = frac ? `.${frac.slice(1).padEnd(6, '0')}`.replace(/\.000000$/, '') : '';
  return `${utc}${micros}Z`;
}
