import { z } from 'zod';
import { PermanentError } from '../../errors.js';
import type { CourseTags, TagRecord, TaxonomyRecord } from '../api-types.js';
import { CourseKey } from '../../domain/keys.js';

/**
 * Content tags as Studio's tagging REST API gives them (openedx/core/djangoapps/content_tagging/rest_api/v1,
 * views from openedx-learning `openedx_tagging/core/tagging/rest_api/v1`): DRF views with the default JWT
 * authentication, readable by global staff.
 * - `GET /api/content_tagging/v1/taxonomies/` (TaxonomyOrgView, `TaxonomyPagination`: 500 a page);
 * - `GET /api/content_tagging/v1/taxonomies/{id}/tags/?full_depth_threshold=10000` (TaxonomyTagsView): the
 *   whole tree in one page below the threshold, else root tags a page at a time, each with `sub_tags_url`;
 * - `GET /api/content_tagging/v1/object_tags/{course}/export/` (ObjectTagExportView, content_tagging/api.py
 *   `generate_csv_rows`): one CSV row per block of the course (`Name`, `Type`, `ID`, then one column per
 *   taxonomy headed by its export id, the tag values joined with "; "). Multi-object lookups on `object_tags/`
 *   are "not yet supported", so this export is the one request that gives every object tag of a course; it
 *   carries no free-text tags, which have no tag id and so no place in Aspects' `tags` lists either.
 */

const Paginated = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ results: z.array(item), next: z.string().nullable().optional() }).loose();
const TaxonomyPage = () => Paginated(TaxonomySchema);
const TagPage = () => Paginated(TagSchema);

const TaxonomySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    export_id: z.string(),
    allow_free_text: z.boolean().optional(),
  })
  .loose();

const TagSchema = z
  .object({
    _id: z.number().int().nullable(),
    value: z.string(),
    external_id: z.string().nullable().optional(),
    parent_value: z.string().nullable().optional(),
    child_count: z.number().int().optional(),
    sub_tags_url: z.string().nullable().optional(),
  })
  .loose();

export const TAGGING_PATHS = {
  taxonomies: '/api/content_tagging/v1/taxonomies/',
  tags: (taxonomyId: number) => `/api/content_tagging/v1/taxonomies/${taxonomyId}/tags/`,
  export: (courseKey: string) =>
    `/api/content_tagging/v1/object_tags/${encodeURIComponent(courseKey)}/export/`,
};

/** Openedx-learning's `MAX_FULL_DEPTH_THRESHOLD`: below it a taxonomy's tags come in one page. */
const FULL_DEPTH_THRESHOLD = 10_000;
/** content_tagging/api.py `TAGS_CSV_SEPARATOR`. */
const CSV_SEPARATOR = ';';

export interface TaggingHttp {
  /** GETs a path or absolute URL of Studio and validates its JSON. */
  json<S extends z.ZodType>(pathOrUrl: string, schema: S): Promise<z.infer<S>>;
  /** GETs a path of Studio as text. */
  text(path: string): Promise<string>;
}

/** Every taxonomy and every tag, with real Tag primary keys: what the tag tables and tag id lists need. */
export async function readTaxonomies(
  http: TaggingHttp,
): Promise<{ taxonomies: TaxonomyRecord[]; tags: TagRecord[] }> {
  const taxonomies: TaxonomyRecord[] = [];
  for (let url: string | null | undefined = TAGGING_PATHS.taxonomies; url;) {
    const page: z.infer<ReturnType<typeof TaxonomyPage>> = await http.json(url, TaxonomyPage());
    for (const t of page.results) taxonomies.push({ id: t.id, name: t.name, exportId: t.export_id });
    url = page.next;
  }
  const tags: TagRecord[] = [];
  for (const taxonomy of taxonomies) tags.push(...(await readTags(http, taxonomy.id)));
  return { taxonomies, tags };
}

async function readTags(http: TaggingHttp, taxonomyId: number): Promise<TagRecord[]> {
  const raw: Array<z.infer<typeof TagSchema>> = [];
  const pending: string[] = [
    `${TAGGING_PATHS.tags(taxonomyId)}?full_depth_threshold=${FULL_DEPTH_THRESHOLD}`,
  ];
  const seenUrls = new Set<string>();
  while (pending.length > 0) {
    const url = pending.shift()!;
    if (seenUrls.has(url)) continue;
    seenUrls.add(url);
    const page: z.infer<ReturnType<typeof TagPage>> = await http.json(url, TagPage());
    raw.push(...page.results);
    if (page.next) pending.push(page.next);
    // Past the threshold only one level comes per request: each parent points at its children.
    for (const tag of page.results)
      if (tag.sub_tags_url && (tag.child_count ?? 0) > 0) pending.push(tag.sub_tags_url);
  }
  const byValue = new Map<string, z.infer<typeof TagSchema>>();
  for (const tag of raw) if (tag._id !== null) byValue.set(tag.value, tag);
  const lineageOf = (value: string): string[] => {
    const out: string[] = [];
    for (let v: string | null | undefined = value; v && out.length < 64; v = byValue.get(v)?.parent_value)
      out.unshift(v);
    return out;
  };
  return [...byValue.values()].map((tag) => ({
    id: tag._id!,
    taxonomyId,
    parentId: tag.parent_value ? (byValue.get(tag.parent_value)?._id ?? null) : null,
    value: tag.value,
    externalId: tag.external_id ?? null,
    lineage: lineageOf(tag.value),
  }));
}

/** The tag values of every object of a course by taxonomy export id, from Studio's tag export. */
export async function readCourseObjectTags(
  http: TaggingHttp,
  courseKey: string,
): Promise<Map<string, Map<string, string[]>>> {
  const rows = parseCsv(await http.text(TAGGING_PATHS.export(courseKey)));
  const [header, ...body] = rows;
  if (!header || header[0] !== 'Name' || header[1] !== 'Type' || header[2] !== 'ID') {
    throw new PermanentError(
      `Studio's tag export of ${courseKey} does not start with Name,Type,ID; check the platform version`,
    );
  }
  const key = CourseKey.parse(courseKey);
  const out = new Map<string, Map<string, string[]>>();
  for (const row of body) {
    const [, type, id] = row;
    if (!type || !id) continue;
    const objectId =
      type === 'course' ? courseKey : `block-v1:${key.org}+${key.course}+${key.run}+type@${type}+block@${id}`;
    const byTaxonomy = new Map<string, string[]>();
    header.slice(3).forEach((exportId, i) => {
      const cell = row[i + 3];
      if (!cell) return;
      const values = cell
        .split(CSV_SEPARATOR)
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (values.length > 0) byTaxonomy.set(exportId, values);
    });
    if (byTaxonomy.size > 0) out.set(objectId, byTaxonomy);
  }
  return out;
}

/**
 * Joins a course's object tags with the taxonomies: the tag ids of each object including every ancestor
 * (platform-plugin-aspects `get_tags_for_block`), sorted, and one object-tag row per applied tag.
 */
export function courseTags(
  objectTags: Map<string, Map<string, string[]>>,
  taxonomies: TaxonomyRecord[],
  tags: TagRecord[],
): CourseTags {
  const taxonomyByExportId = new Map(taxonomies.map((t) => [t.exportId, t]));
  const tagByTaxonomyValue = new Map(tags.map((t) => [`${t.taxonomyId}\u0000${t.value}`, t]));
  const tagById = new Map(tags.map((t) => [t.id, t]));
  const idsByObject: Record<string, number[]> = {};
  const objectTags_: CourseTags['objectTags'] = [];
  for (const [objectId, byTaxonomy] of objectTags) {
    const ids = new Set<number>();
    for (const [exportId, values] of byTaxonomy) {
      const taxonomy = taxonomyByExportId.get(exportId);
      if (!taxonomy) continue;
      for (const value of values) {
        const tag = tagByTaxonomyValue.get(`${taxonomy.id}\u0000${value}`);
        if (!tag) continue;
        for (
          let t: TagRecord | undefined = tag;
          t && !ids.has(t.id);
          t = t.parentId === null ? undefined : tagById.get(t.parentId)
        )
          ids.add(t.id);
        objectTags_.push({
          objectId,
          taxonomyId: taxonomy.id,
          tagId: tag.id,
          value,
          exportId,
          lineage: tag.lineage,
        });
      }
    }
    idsByObject[objectId] = [...ids].sort((a, b) => a - b);
  }
  return { idsByObject, taxonomies, tags, objectTags: objectTags_ };
}

/** RFC 4180 CSV, as Python's csv module writes it (QUOTE_NONNUMERIC, `""` inside quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
