/**
 * Reads an OLX course export into the modulestore-level description the way edx-platform's XML import builds
 * a course (`xmodule/modulestore/xml.py` ImportSystem / `_load_extra_content`, `xmodule/modulestore/
 * xml_importer.py` CourseImportManager, `xmodule/xml_block.py` XmlMixin). It is test code: it imports nothing
 * from `src/` so that the stand-in and the parity oracle do not share a reader with the code under test.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { XMLBuilder, XMLParser } from 'fast-xml-parser';

import type { ModulestoreBlock, ModulestoreCourse, ValEncoding, ValVideo } from './modulestore.js';

export interface OlxImportOptions {
  /** `course-v1:Org+Course+Run` the course is imported under (Studio's import picks it, not the OLX). */
  courseKey: string;
  /** Overrides `discussions_settings.provider_type` of the course policy. */
  discussionProvider?: 'openedx' | 'legacy';
  /** VAL encodings by `edx_video_id`: the export carries none, the platform holds them. Default: none. */
  valEncodings?: (edxVideoId: string) => ValEncoding[];
  /** First `edited_on`; block n (0-based, modulestore order) is edited n microseconds later. */
  editedOnBase?: string;
  /** CourseOverview timestamps. */
  overviewCreated?: string;
  overviewModified?: string;
  externalId?: string | null;
}

/** Types whose XML children are blocks (everything else keeps its children as definition data). */
const CONTAINER_TYPES = new Set([
  'course',
  'chapter',
  'sequential',
  'vertical',
  'problemset',
  'videosequence',
  'library_content',
  'itembank',
  'split_test',
  'conditional',
  'unit',
]);

/**
 * Fields declared as `String`: `deserialize_field` (`xml_block.py`) keeps their attribute text as is even when
 * it parses as JSON (`String.from_json` refuses a number or a boolean). Every other attribute that parses as
 * JSON is stored parsed; one that does not (dates, relative times) stays text.
 */
const STRING_FIELDS = new Set([
  'display_name',
  'format',
  'discussion_category',
  'discussion_target',
  'discussion_id',
  'edx_video_id',
  'youtube_id_0_75',
  'youtube_id_1_0',
  'youtube_id_1_25',
  'youtube_id_1_5',
  'sub',
  'track',
  'handout',
  'showanswer',
  'rerandomize',
  'markdown',
  'source_library_id',
  'source_library_version',
  'capa_type',
  'advertised_start',
  'language',
  'course_image',
  'instructions',
  'feedback',
  'title',
  'prompt',
  'launch_url',
  'lti_id',
]);

/** Attributes that are import plumbing, not fields (`XmlMixin.metadata_to_strip` plus XBlock's family tag). */
const STRIPPED_ATTRIBUTES = new Set([
  'url_name',
  'filename',
  'xml_attributes',
  'data_dir',
  'x-is-pointer-node',
  'xblock-family',
]);

/** `XmlMixin.metadata_translations`; problems also map `attempts` (`capa_block.py`). */
const TRANSLATIONS: Record<string, string> = { slug: 'url_name', name: 'display_name' };

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  commentPropName: '#comment',
});
const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  commentPropName: '#comment',
  suppressEmptyNode: true,
});

function tagOf(node: XmlNode): string | null {
  for (const k of Object.keys(node)) if (k !== ':@' && !k.startsWith('#')) return k;
  return null;
}
function attrsOf(node: XmlNode): Record<string, string> {
  return (node[':@'] as Record<string, string> | undefined) ?? {};
}
function kidsOf(node: XmlNode): XmlNode[] {
  const tag = tagOf(node);
  return tag ? ((node[tag] as XmlNode[] | undefined) ?? []) : [];
}
function elementKids(node: XmlNode): XmlNode[] {
  return kidsOf(node).filter((k) => tagOf(k) !== null);
}
function hasText(node: XmlNode): boolean {
  return kidsOf(node).some((k) => typeof k['#text'] === 'string' && (k['#text'] as string).trim() !== '');
}

async function parseFile(path: string): Promise<XmlNode> {
  const nodes = parser.parse(await readFile(path, 'utf8')) as XmlNode[];
  const root = nodes.find((n) => tagOf(n) !== null && tagOf(n) !== '?xml');
  if (!root) throw new Error(`${path}: no root element`);
  return root;
}

/** `xml_block.is_pointer_tag`: only `url_name` (the course tag: also `org`, `course`), no children, no text. */
function isPointer(node: XmlNode): boolean {
  const tag = tagOf(node);
  const expected = tag === 'course' ? ['course', 'org', 'url_name'] : ['url_name'];
  const actual = Object.keys(attrsOf(node)).sort();
  return elementKids(node).length === 0 && !hasText(node) && actual.join() === expected.join();
}

/** `deserialize_field`: JSON where the field takes JSON, text otherwise. */
function attributeValue(name: string, raw: string): unknown {
  if (STRING_FIELDS.has(name)) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** `name_to_pathname`: `:` in a url_name is a directory separator in the export. */
const pathname = (urlName: string): string => urlName.replace(/:/g, '/');

interface Ctx {
  dir: string;
  policy: Record<string, Record<string, unknown>>;
  tree: ModulestoreBlock[];
}

async function importNode(ctx: Ctx, original: XmlNode): Promise<ModulestoreBlock | null> {
  const type = tagOf(original);
  // CourseBlock.definition_from_xml turns <wiki slug> into the wiki_slug field; it is not a block.
  if (type === null || type === 'wiki') return null;
  let node = original;
  let id = attrsOf(original).url_name;
  if (isPointer(original) && id) {
    const file = join(ctx.dir, type, `${pathname(id)}.xml`);
    node = await parseFile(file);
  }
  if (!id) {
    // ImportSystem gives an unnamed inline block a name derived from its XML, stable across imports.
    const xml = builder.build([original]) as string;
    id = `${type}_${createHash('sha1').update(xml).digest('hex').slice(0, 12)}`;
  }

  const fields: Record<string, unknown> = {};
  for (const [rawName, raw] of Object.entries(attrsOf(node))) {
    if (STRIPPED_ATTRIBUTES.has(rawName)) continue;
    const name =
      type === 'problem' && rawName === 'attempts' ? 'max_attempts' : (TRANSLATIONS[rawName] ?? rawName);
    if (name === 'url_name') continue;
    fields[name] = attributeValue(name, raw);
  }
  // Policy overrides XML attributes (XmlMixin.apply_policy, keyed `<type>/<url_name>`).
  Object.assign(fields, ctx.policy[`${type}/${id}`] ?? {});

  const block: ModulestoreBlock = { type, id, fields, children: [], editedOn: '' };
  ctx.tree.push(block);

  if (type === 'html') {
    const filename = attrsOf(node).filename;
    if (filename) {
      // HtmlBlockMixin.load_definition: the body lives in html/<filename>.html.
      fields.data = await readFile(join(ctx.dir, 'html', `${filename}.html`), 'utf8');
    } else {
      fields.data = builder.build(kidsOf(node)) as string;
    }
  } else if (CONTAINER_TYPES.has(type)) {
    for (const kid of elementKids(node)) {
      const child = await importNode(ctx, kid);
      if (child) block.children.push(child.id);
    }
  } else if (type === 'problem') {
    fields.data = builder.build([node]) as string;
  }
  if (type === 'video') {
    const asset = elementKids(node).find((k) => tagOf(k) === 'video_asset');
    if (asset) fields['#video_asset_duration'] = Number(attrsOf(asset).duration ?? 0);
  }
  return block;
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort();
}

function isoMicros(baseIso: string, plusMicros: number): string {
  const ms = Date.parse(baseIso);
  const totalMicros = (ms % 1000) * 1000 + plusMicros;
  const whole = new Date(ms - (ms % 1000) + Math.floor(totalMicros / 1_000_000) * 1000);
  const micro = totalMicros % 1_000_000;
  return `${whole.toISOString().slice(0, 19)}.${String(micro).padStart(6, '0')}+00:00`;
}

export async function importOlxCourse(dir: string, opts: OlxImportOptions): Promise<ModulestoreCourse> {
  const pointer = await parseFile(join(dir, 'course.xml'));
  const run = attrsOf(pointer).url_name;
  if (!run) throw new Error(`${dir}/course.xml names no course run (url_name)`);
  const policyPath = join(dir, 'policies', run, 'policy.json');
  const policy = existsSync(policyPath)
    ? (JSON.parse(await readFile(policyPath, 'utf8')) as Record<string, Record<string, unknown>>)
    : {};
  const ctx: Ctx = { dir, policy, tree: [] };

  const courseXml = await parseFile(join(dir, 'course', `${run}.xml`));
  // The run's policy entry is `course/<run>`, while the block id in split is always `course`.
  const coursePolicy = policy[`course/${run}`] ?? {};
  ctx.policy = { ...policy, 'course/course': coursePolicy };
  const root = await importNode(ctx, {
    course: courseXml.course,
    ':@': { ...attrsOf(courseXml), url_name: 'course' },
  });
  if (!root) throw new Error('course.xml yielded no course block');
  delete root.fields.org;
  delete root.fields.course;
  const gradingPath = join(dir, 'policies', run, 'grading_policy.json');
  if (existsSync(gradingPath))
    root.fields.grading_policy = JSON.parse(await readFile(gradingPath, 'utf8')) as unknown;

  // Detached blocks, in the order xml.py's load_extra_content creates them: about, static_tab, course_info.
  // Real split-mongo keeps them in the order CourseImportManager.import_children imports its leftover set,
  // which is Python set order (hash-randomised per process): no order is "the" real one, so the files'
  // sorted order is used and parity checks must not depend on the detached blocks' relative order.
  const detached: ModulestoreBlock[] = [];
  for (const f of await listFiles(join(dir, 'about'), '.html')) {
    const data = await readFile(join(dir, 'about', f), 'utf8');
    detached.push({ type: 'about', id: f.slice(0, -5), fields: { data }, children: [], editedOn: '' });
  }
  const tabs = (root.fields.tabs as Array<Record<string, unknown>> | undefined) ?? [];
  const tabFiles = new Set(await listFiles(join(dir, 'tabs'), '.html'));
  const slugs = [
    ...tabs.filter((t) => t.type === 'static_tab').map((t) => String(t.url_slug)),
    ...[...tabFiles].map((f) => f.slice(0, -5)),
  ].filter((s, i, all) => all.indexOf(s) === i && tabFiles.has(`${s}.html`));
  for (const slug of slugs) {
    const data = await readFile(join(dir, 'tabs', `${slug}.html`), 'utf8');
    const tab = tabs.find((t) => t.type === 'static_tab' && t.url_slug === slug);
    const fields: Record<string, unknown> = { data };
    // _load_extra_content copies the tab's name and course_staff_only onto the block.
    if (tab) {
      fields.display_name = tab.name;
      if ('course_staff_only' in tab) fields.course_staff_only = tab.course_staff_only;
    }
    detached.push({ type: 'static_tab', id: slug, fields, children: [], editedOn: '' });
  }
  for (const f of await listFiles(join(dir, 'info'), '.html')) {
    const slug = f.slice(0, -5);
    const fields: Record<string, unknown> = { data: await readFile(join(dir, 'info', f), 'utf8') };
    const itemsPath = join(dir, 'info', `${slug}.items.json`);
    if (existsSync(itemsPath)) fields.items = JSON.parse(await readFile(itemsPath, 'utf8')) as unknown;
    detached.push({ type: 'course_info', id: slug, fields, children: [], editedOn: '' });
  }

  const base = opts.editedOnBase ?? '2024-01-01T00:00:00.000000+00:00';
  const blocks = [...ctx.tree, ...detached];
  blocks.forEach((b, i) => {
    b.editedOn = isoMicros(base, i);
  });

  const val: ValVideo[] = [];
  for (const b of blocks) {
    const duration = b.fields['#video_asset_duration'];
    delete b.fields['#video_asset_duration'];
    const edxVideoId = b.fields.edx_video_id;
    if (b.type !== 'video' || typeof edxVideoId !== 'string' || edxVideoId === '') continue;
    if (val.some((v) => v.edxVideoId === edxVideoId)) continue;
    // edxval's import_from_xml creates the Video from <video_asset>; encodings come from the platform.
    val.push({
      edxVideoId,
      duration: typeof duration === 'number' ? duration : 0,
      encodings: opts.valEncodings?.(edxVideoId) ?? [],
    });
  }

  const settings = root.fields.discussions_settings as { provider_type?: string } | undefined;
  const provider = opts.discussionProvider ?? (settings?.provider_type === 'openedx' ? 'openedx' : 'legacy');
  return {
    courseKey: opts.courseKey,
    blocks,
    discussionProvider: provider,
    overview: {
      created: opts.overviewCreated ?? '2024-01-01T00:00:00.000000+00:00',
      modified: opts.overviewModified ?? '2024-01-02T00:00:00.000000+00:00',
      externalId: opts.externalId ?? null,
      hiddenByOrgFilter: false,
    },
    val,
  };
}
