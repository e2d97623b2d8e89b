/**
 * Studio's content tagging REST API over the stand-in's taxonomies and object tags, as
 * openedx/core/djangoapps/content_tagging/rest_api/v1 (views.py, urls.py) and openedx-learning's
 * `openedx_tagging/core/tagging/rest_api` answer:
 * - `taxonomies/`: TaxonomyOrgSerializer items in edx-drf-extensions' DefaultPagination envelope, 500 a page
 *   (paginators.py `TaxonomyPagination`);
 * - `taxonomies/{id}/tags/`: TagDataSerializer items (`_id`, `value`, `external_id`, `parent_value`, `depth`,
 *   `child_count`, …); the whole tree in one page when the taxonomy has fewer tags than `full_depth_threshold`,
 *   else root tags only, 10 a page, each parent with a `sub_tags_url` (paginators.py, views.py TaxonomyTagsView);
 * - `object_tags/{object_id}/`: `{object_id: {taxonomies: [{name, taxonomy_id, can_tag_object, tags: [{value,
 *   lineage, can_delete_objecttag}], export_id}]}}`; wildcards and lists are "not yet supported" (400);
 * - `object_tags/{course}/export/`: content_tagging/api.py `generate_csv_rows`, a CSV (QUOTE_NONNUMERIC) of the
 *   course and every block of its tree, `Name` (indented two spaces a level), `Type`, `ID`, then one column per
 *   taxonomy in use headed by its export id, values joined with "; "; tags with no Tag (free text) are left out.
 */
import type { ModulestoreCourse } from './modulestore.js';
import { developerError, json, type Reply } from './http.js';
import { keyParts, runtimeTree } from './platform.js';

export interface StandInTag {
  id: number;
  value: string;
  parentValue: string | null;
  externalId: string | null;
}

export interface StandInTaxonomy {
  id: number;
  name: string;
  exportId: string;
  allowFreeText: boolean;
  tags: StandInTag[];
}

export interface TaggingState {
  taxonomies: StandInTaxonomy[];
  /** Applied tags by object id: taxonomy and value (a value with no Tag is a free-text tag). */
  objectTags: Map<string, Array<{ taxonomyId: number; value: string }>>;
}

const TAXONOMY_PAGE = 500;
const TAGS_PAGE = 10;

function page(self: URL, results: unknown[], size: number, extra: Record<string, unknown>): Reply {
  const current = Math.max(1, Number(self.searchParams.get('page') ?? '1') || 1);
  const numPages = Math.max(1, Math.ceil(results.length / size));
  if (current > numPages) return developerError(404, 'Invalid page.');
  const link = (n: number) => {
    if (n < 1 || n > numPages) return null;
    const url = new URL(self);
    url.searchParams.set('page', String(n));
    return url.href;
  };
  return json(200, {
    next: link(current + 1),
    previous: link(current - 1),
    count: results.length,
    num_pages: numPages,
    current_page: current,
    start: (current - 1) * size,
    results: results.slice((current - 1) * size, current * size),
    ...extra,
  });
}

export function taxonomies(state: TaggingState, self: URL): Reply {
  const results = state.taxonomies.map((t) => ({
    id: t.id,
    name: t.name,
    description: '',
    enabled: true,
    allow_multiple: true,
    allow_free_text: t.allowFreeText,
    system_defined: false,
    visible_to_authors: true,
    tags_count: t.tags.length,
    can_change_taxonomy: true,
    can_delete_taxonomy: true,
    can_tag_object: true,
    export_id: t.exportId,
    orgs: [],
    all_orgs: true,
  }));
  return page(self, results, TAXONOMY_PAGE, { can_add_taxonomy: true });
}

export function taxonomyTags(state: TaggingState, taxonomyId: number, self: URL): Reply {
  const taxonomy = state.taxonomies.find((t) => t.id === taxonomyId);
  if (!taxonomy) return developerError(404, 'Not found.');
  const threshold = Number(self.searchParams.get('full_depth_threshold') ?? '0') || 0;
  const parent = self.searchParams.get('parent_tag');
  const children = (value: string | null) => taxonomy.tags.filter((t) => t.parentValue === value);
  const depthOf = (tag: StandInTag): number => {
    let depth = 0;
    for (let p = tag.parentValue; p; p = taxonomy.tags.find((t) => t.value === p)?.parentValue ?? null)
      depth++;
    return depth;
  };
  const data = (tag: StandInTag, withSubTagsUrl: boolean) => {
    const kids = children(tag.value);
    const sub = new URL(`/api/content_tagging/v1/taxonomies/${taxonomy.id}/tags/`, self);
    sub.searchParams.set('parent_tag', tag.value);
    return {
      value: tag.value,
      external_id: tag.externalId,
      child_count: kids.length,
      descendant_count: kids.length,
      depth: depthOf(tag),
      parent_value: tag.parentValue,
      usage_count: 0,
      _id: tag.id,
      sub_tags_url: withSubTagsUrl && kids.length > 0 ? sub.href : null,
      can_change_tag: true,
      can_delete_tag: true,
    };
  };
  if (parent === null && taxonomy.tags.length < threshold) {
    // The whole tree, parents before their children, in one page.
    const ordered: StandInTag[] = [];
    const walk = (value: string | null) => {
      for (const t of children(value)) {
        ordered.push(t);
        walk(t.value);
      }
    };
    walk(null);
    return page(
      self,
      ordered.map((t) => data(t, false)),
      Math.max(ordered.length, 1),
      { can_add_tag: true },
    );
  }
  return page(
    self,
    children(parent).map((t) => data(t, true)),
    TAGS_PAGE,
    { can_add_tag: true },
  );
}

function lineageOf(taxonomy: StandInTaxonomy, value: string): string[] {
  const out: string[] = [];
  for (let v: string | null = value; v; v = taxonomy.tags.find((t) => t.value === v)?.parentValue ?? null)
    out.unshift(v);
  return out;
}

export function objectTags(state: TaggingState, objectId: string): Reply {
  if (objectId.endsWith('*') || objectId.includes(','))
    return json(400, ['Retrieving tags from multiple objects is not yet supported.']);
  const byTaxonomy = new Map<
    number,
    Array<{ value: string; lineage: string[]; can_delete_objecttag: boolean }>
  >();
  for (const applied of state.objectTags.get(objectId) ?? []) {
    const taxonomy = state.taxonomies.find((t) => t.id === applied.taxonomyId);
    if (!taxonomy) continue;
    const list = byTaxonomy.get(taxonomy.id) ?? [];
    list.push({
      value: applied.value,
      lineage: lineageOf(taxonomy, applied.value),
      can_delete_objecttag: true,
    });
    byTaxonomy.set(taxonomy.id, list);
  }
  return json(200, {
    [objectId]: {
      taxonomies: [...byTaxonomy].map(([id, tags]) => {
        const taxonomy = state.taxonomies.find((t) => t.id === id)!;
        return {
          name: taxonomy.name,
          taxonomy_id: id,
          can_tag_object: true,
          tags,
          export_id: taxonomy.exportId,
        };
      }),
    },
  });
}

const csvCell = (v: string) => `"${v.replaceAll('"', '""')}"`;

export function courseTagExport(state: TaggingState, course: ModulestoreCourse): Reply {
  const { org, course: number, run } = keyParts(course.courseKey);
  const tree = [...runtimeTree(course).values()];
  const isTag = (taxonomyId: number, value: string) =>
    state.taxonomies.find((t) => t.id === taxonomyId)?.tags.some((t) => t.value === value) ?? false;
  const objects = tree.map((node) => ({
    node,
    objectId: node.block.type === 'course' ? course.courseKey : node.usageKey,
  }));
  const used = new Set<number>();
  for (const { objectId } of objects)
    for (const a of state.objectTags.get(objectId) ?? [])
      if (isTag(a.taxonomyId, a.value)) used.add(a.taxonomyId);
  const columns = [...used].sort((a, b) => a - b);
  const header = [
    'Name',
    'Type',
    'ID',
    ...columns.map((id) => state.taxonomies.find((t) => t.id === id)!.exportId),
  ];
  const lines = [header.map(csvCell).join(',')];
  for (const { node, objectId } of objects) {
    let depth = 0;
    for (let p = node.parent; p; p = p.parent) depth++;
    const name = String(node.block.fields.display_name ?? '');
    const id = node.block.type === 'course' ? `course-v1:${org}+${number}+${run}` : node.block.id;
    const cells = [`${'  '.repeat(depth)}${name}`, node.block.type, id];
    for (const taxonomyId of columns) {
      const values = (state.objectTags.get(objectId) ?? [])
        .filter((a) => a.taxonomyId === taxonomyId && isTag(taxonomyId, a.value))
        .map((a) => a.value);
      cells.push(values.join('; '));
    }
    lines.push(cells.map(csvCell).join(','));
  }
  return { status: 200, body: `${lines.join('\r\n')}\r\n`, headers: { 'content-type': 'text/csv' } };
}
