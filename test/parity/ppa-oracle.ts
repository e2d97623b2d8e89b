/**
 * An independent model of what platform-plugin-aspects v2.0.0 writes into `event_sink.course_overviews` and
 * `event_sink.course_blocks` for one course dump, computed from the modulestore-level course description
 * alone. It imports nothing from `src/`: it is the yardstick the sink is measured against.
 *
 * Sources mirrored (read from the projects' own code):
 * - `platform_plugin_aspects/sinks/course_overview_sink.py` (`XBlockSink.serialize_item`, `serialize_xblock`):
 *   pre-order tree from `get_course()`, then the detached blocks of `get_items()`, `order` from 1, counters
 *   moved by chapter / sequential / vertical only, detached rows 0/0/0, rows keyed by location.
 * - `platform_plugin_aspects/sinks/serializers.py` (`CourseOverviewSerializer`, `DateTimeJSONEncoder`).
 * - `platform_plugin_aspects/sinks/base_sink.py`: CSV with `QUOTE_NONNUMERIC`; ClickHouse stores each quoted
 *   field verbatim (only `""` is unescaped), `None` arrives as `""`, Python booleans as `True`/`False`.
 * - `platform_plugin_aspects/utils.py` (`get_tags_for_block`, `get_detached_xblock_types`).
 * - edx-platform `xmodule/block_metadata_utils.py` (`display_name_with_default`), `xmodule/x_module.py`
 *   (`XModuleFields.display_name` defaults to None), `xmodule/modulestore/inheritance.py` (`graded` inherits),
 *   `xmodule/course_block.py` (`lowest_passing_grade` = min of `GRADE_CUTOFFS`),
 *   `openedx/core/djangoapps/content/course_overviews/models.py` (`DecimalField(max_digits=5, decimal_places=2)`).
 *
 * Inferred rather than read, and so the first suspects when a parity check disagrees with a real dump:
 * - the rounding of `lowest_passing_grade` into DECIMAL(5,2) (half up on the exact binary value);
 * - `effort` as the `data` of the `about/effort` block, `advertised_start` / `language` from the course fields,
 *   the course start default (DEFAULT_START_DATE, 2030-01-01);
 * - block types absent from COMPLETION_MODE (lti, annotatable, conditional, word_cloud and third-party blocks
 *   such as done, drag-and-drop-v2, edx_sga) are taken to set no completion_mode, which gives '';
 * - `tags` are emitted in the callback's order: PPA returns `list(set(ids))`, whose order is CPython's set order;
 * - detached blocks keep `graded` from their own fields only (they are outside the inheritance tree).
 */
import type { ModulestoreBlock, ModulestoreCourse } from '../peers/openedx/modulestore.js';
import {
  COMPLETION_MODE,
  DETACHED_TYPES,
  DISPLAY_NAME_DEFAULT,
  displayNameWithDefault,
} from '../peers/openedx/xblock-classes.js';

export interface PpaDump {
  dumpId: string;
  /** `str(timezone.now())` of the dump, e.g. `2024-07-10 19:58:24.094725+00:00`; shared by every row. */
  timeLastDumped: string;
}

export type OverviewRow = Record<string, string | number | boolean>;
export type BlockRow = Record<string, string | number>;

/** Python's `json.dumps` with default separators and `ensure_ascii=True`. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pyFloatOrInt(value);
  if (typeof value === 'string') return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${pyJsonString(k)}: ${pyJsonDumps(v)}`).join(', ')}}`;
}

/** A number Python holds as a `float` (so `1` prints as `1.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

function pyFloatOrInt(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json.dumps would write ${n}, which is not JSON`);
  return String(n);
}

/** `float.__repr__`: shortest round-trip digits, always with a fraction or an exponent. */
function pyFloatRepr(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  const s = String(n);
  // JS writes 1e-7 as "1e-7", Python as "1e-07".
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    // Code units, so astral characters come out as their surrogate pair, as Python's encoder does.
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

interface Instant {
  /** Milliseconds since the epoch. */
  ms: number;
  /** Microseconds within the second, 0–999999. */
  micro: number;
}

/** Parses ISO 8601 with an offset, keeping microseconds (Date keeps milliseconds only). */
function parseInstant(iso: string): Instant {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    iso.trim(),
  );
  if (!m) throw new Error(`not an ISO 8601 datetime: ${iso}`);
  const [, date, hh, mm, ss = '00', frac = '', zone = 'Z'] = m;
  const whole = Date.parse(`${date}T${hh}:${mm}:${ss}${zone === 'Z' ? 'Z' : zone}`);
  if (Number.isNaN(whole)) throw new Error(`not an ISO 8601 datetime: ${iso}`);
  return { ms: whole, micro: Number(frac.padEnd(6, '0')) };
}

function utcParts(t: Instant): { date: string; time: string; fraction: string } {
  const d = new Date(t.ms);
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return {
    date: iso.slice(0, 10),
    time: iso.slice(11, 19),
    fraction: t.micro === 0 ? '' : `.${String(t.micro).padStart(6, '0')}`,
  };
}

/** Python `str()` of an aware UTC datetime: `YYYY-MM-DD HH:MM:SS[.ffffff]+00:00`. */
export function pyStrDatetime(iso: string): string {
  const p = utcParts(parseInstant(iso));
  return `${p.date} ${p.time}${p.fraction}+00:00`;
}

/** `datetime.isoformat()` after `astimezone(UTC)` (DateTimeJSONEncoder): `T` and `+00:00`. */
export function pyIsoformatUtc(iso: string): string {
  const p = utcParts(parseInstant(iso));
  return `${p.date}T${p.time}${p.fraction}+00:00`;
}

/**
 * DRF `DateTimeField.to_representation` with the default ISO_8601 format: `enforce_timezone` to UTC (the
 * platform's TIME_ZONE), `isoformat()`, then a trailing `+00:00` becomes `Z`.
 */
export function drfIsoDatetime(iso: string): string {
  const p = utcParts(parseInstant(iso));
  return `${p.date}T${p.time}${p.fraction}Z`;
}

function parseCourseKey(key: string): { org: string; course: string; run: string } {
  const m = /^course-v1:([^+]+)\+([^+]+)\+([^+]+)$/.exec(key);
  if (!m) throw new Error(`not a course-v1 key: ${key}`);
  return { org: m[1] as string, course: m[2] as string, run: m[3] as string };
}

/** `BlockUsageLocator` of a block, branch and version stripped (`strip_branch_and_version`). */
export function usageKey(courseKey: string, type: string, id: string): string {
  const k = parseCourseKey(courseKey);
  return `block-v1:${k.org}+${k.course}+${k.run}+type@${type}+block@${id}`;
}

function courseBlockOf(course: ModulestoreCourse): ModulestoreBlock {
  const root = course.blocks.find((b) => b.type === 'course' && b.id === 'course');
  if (!root) throw new Error(`${course.courseKey} has no course block`);
  return root;
}

/** Python truthiness of an XBlock field value. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * `CourseOverview.lowest_passing_grade`: `min(GRADE_CUTOFFS.values())` of the course's grading policy
 * (`course_block.py`; the field default is `{'Pass': 0.5}`), stored in a `DecimalField(5, 2)` and read back by
 * PPA's `CourseOverview.objects.get`, then `float()`. The stored value is the exact binary value rounded to two
 * places, half up, as the database does (`toFixed` rounds the exact value the same way).
 */
export function lowestPassingGrade(courseFields: Record<string, unknown>): number {
  const policy = courseFields.grading_policy as { GRADE_CUTOFFS?: Record<string, number> } | undefined;
  const cutoffs = policy?.GRADE_CUTOFFS ?? { Pass: 0.5 };
  const values = Object.values(cutoffs);
  if (values.length === 0)
    throw new Error('min() of no grade cutoffs: the CourseOverview could not be built');
  return Number(Math.min(...values).toFixed(2));
}

function aboutData(course: ModulestoreCourse, slug: string): string | null {
  const about = course.blocks.find((b) => b.type === 'about' && b.id === slug);
  if (!about) return null;
  const data = about.fields.data;
  return typeof data === 'string' ? data : null;
}

function optDatetime(v: unknown, format: (iso: string) => string): string | null {
  if (v === null || v === undefined || v === '') return null;
  return format(String(v));
}

/** The default `CourseFields.start` (`xmodule/course_block.py` DEFAULT_START_DATE). */
const DEFAULT_START = '2030-01-01T00:00:00+00:00';

export function ppaRows(
  course: ModulestoreCourse,
  dump: PpaDump,
  tags: (objectId: string) => number[] = () => [],
): { overview: OverviewRow; blocks: BlockRow[] } {
  const key = parseCourseKey(course.courseKey);
  const root = courseBlockOf(course);
  const cf = root.fields;
  // CSV writes None as "", which ClickHouse stores as ''.
  const csv = (v: string | null | undefined): string => v ?? '';

  const start = 'start' in cf ? cf.start : DEFAULT_START;
  const courseDataJson = pyJsonDumps({
    advertised_start: cf.advertised_start ?? null,
    announcement: optDatetime(cf.announcement, pyIsoformatUtc),
    lowest_passing_grade: new PyFloat(lowestPassingGrade(cf)),
    invitation_only: Boolean(cf.invitation_only ?? false),
    max_student_enrollments_allowed: cf.max_student_enrollments_allowed ?? null,
    effort: aboutData(course, 'effort'),
    enable_proctored_exams: Boolean(cf.enable_proctored_exams ?? false),
    entrance_exam_enabled: Boolean(cf.entrance_exam_enabled ?? false),
    external_id: course.overview.externalId,
    language: cf.language ?? null,
    tags: tags(course.courseKey),
  });

  const displayName = 'display_name' in cf ? cf.display_name : DISPLAY_NAME_DEFAULT.course;
  const overview: OverviewRow = {
    org: key.org,
    course_key: course.courseKey,
    display_name: csv(displayName === null || displayName === undefined ? null : String(displayName)),
    course_start: csv(optDatetime(start, pyStrDatetime)),
    course_end: csv(optDatetime(cf.end, pyStrDatetime)),
    enrollment_start: csv(optDatetime(cf.enrollment_start, drfIsoDatetime)),
    enrollment_end: csv(optDatetime(cf.enrollment_end, drfIsoDatetime)),
    self_paced: Boolean(cf.self_paced ?? false),
    course_data_json: courseDataJson,
    created: drfIsoDatetime(course.overview.created),
    modified: drfIsoDatetime(course.overview.modified),
    dump_id: dump.dumpId,
    time_last_dumped: dump.timeLastDumped,
  };

  return { overview, blocks: blockRows(course, dump, tags) };
}

interface Pending {
  block: ModulestoreBlock;
  graded: boolean;
}

function blockRows(
  course: ModulestoreCourse,
  dump: PpaDump,
  tags: (objectId: string) => number[],
): BlockRow[] {
  const key = parseCourseKey(course.courseKey);
  const byId = new Map(course.blocks.map((b) => [b.id, b]));
  const items: Pending[] = [];

  // get_xblocks_recursive: the block, then each child's subtree in get_children() order. Children the
  // modulestore cannot load are dropped by XModuleMixin.get_children.
  const walk = (block: ModulestoreBlock, inheritedGraded: boolean): void => {
    const graded = 'graded' in block.fields ? truthy(block.fields.graded) : inheritedGraded;
    items.push({ block, graded });
    for (const childId of block.children) {
      const child = byId.get(childId);
      if (child) walk(child, graded);
    }
  };
  walk(courseBlockOf(course), false);

  // get_detached_xblocks over get_items(): modulestore order, detached types only. Detached blocks sit outside
  // the inheritance tree, so only their own `graded` counts.
  for (const block of course.blocks) {
    if (DETACHED_TYPES.has(block.type)) items.push({ block, graded: truthy(block.fields.graded) });
  }

  const rows = new Map<string, BlockRow>();
  let index = 0;
  let section = 0;
  let subsection = 0;
  let unit = 0;
  for (const { block, graded } of items) {
    index += 1;
    const detached = DETACHED_TYPES.has(block.type);
    let at: [number, number, number];
    if (detached) {
      at = [0, 0, 0];
    } else {
      if (block.type === 'chapter') {
        section += 1;
        subsection = 0;
        unit = 0;
      } else if (block.type === 'sequential') {
        subsection += 1;
        unit = 0;
      } else if (block.type === 'vertical') {
        unit += 1;
      }
      at = [section, subsection, unit];
    }
    const location = usageKey(course.courseKey, block.type, block.id);
    const xblockData = {
      course: key.course,
      run: key.run,
      block_type: block.type,
      detached: detached ? 1 : 0,
      graded: graded ? 1 : 0,
      completion_mode: COMPLETION_MODE[block.type] ?? '',
      section: at[0],
      subsection: at[1],
      unit: at[2],
      tags: tags(location),
    };
    // A dict keyed by location: a repeated location keeps its first position and takes the later value.
    rows.set(location, {
      org: key.org,
      course_key: course.courseKey,
      location,
      display_name: displayNameWithDefault(block),
      xblock_data_json: pyJsonDumps(xblockData),
      order: index,
      edited_on: pyStrDatetime(block.editedOn),
      dump_id: dump.dumpId,
      time_last_dumped: dump.timeLastDumped,
    });
  }
  return [...rows.values()];
}
