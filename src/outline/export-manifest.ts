import { courseNameFromApi } from '../domain/course-name.js';
import type { Block, CourseSnapshot, EncodedVideo } from '../openedx/api-types.js';
import { VideoStudentViewDataSchema } from '../openedx/api-types.js';
import { locationOf } from '../domain/keys.js';
import type { Outline, OutlineRow } from './types.js';

/**
 * Everything a course export archive is built from, and nothing else: the worker renders the zip from
 * this alone, and the export hash covers every field of it, so a change the archive could show always
 * produces a new hash. Field names follow the seed's course/journey vocabulary.
 */
export interface ExportManifest {
  courseKey: string;
  /** Marks the archive format; differs when media files are included, since the archive differs. */
  exporterVersion: string;
  course: {
    title: string;
    titleShort: string;
    description: string;
    backgroundImageUid: string;
    backgroundBaseUrl: string;
  };
  journeys: ExportJourney[];
}

export interface ExportJourney {
  /** The video block's usage key. */
  uid: string;
  instructor: string;
  title: string;
  /** Breadcrumb `unit › subsection › section`. */
  description: string;
  /** The section's display name. */
  subcategory: string;
  /** `edx_video_id`, or the block id when the video has none. */
  videoContentFileUid: string;
  /** `profile|url` of the chosen encoding, '' when the video has none. */
  exportUid: string;
  /** The chosen encoding's file size in bytes, '' when unknown. */
  exportPartUid: string;
  video: ChosenEncoding | null;
}

export interface ChosenEncoding {
  profile: string;
  url: string;
  /** Bytes, null when the LMS does not know (it reports 0 for YouTube and fallback sources). */
  fileSize: number | null;
  /** A stream or page (YouTube, HLS) that cannot be stored in the archive, only linked to. */
  linkOnly: boolean;
}

export const EXPORTER_VERSION = 'course-sink/1';
export const EXPORTER_VERSION_WITH_MEDIA = 'course-sink/1+media';

export interface ExportManifestOptions {
  instructorName?: string;
  includeMedia?: boolean;
}

const BREADCRUMB_TYPES = new Set(['vertical', 'sequential', 'chapter']);

/** The manifest of an Open edX course run: its video blocks in outline order become the journeys. */
export function exportManifest(
  snapshot: CourseSnapshot,
  outline: Outline,
  options: ExportManifestOptions = {},
): ExportManifest {
  const { detail } = snapshot;
  const blocksByLocation = new Map<string, Block>();
  for (const [id, block] of Object.entries(snapshot.blocks.blocks))
    blocksByLocation.set(locationOf(id), block);
  const rowsByLocation = new Map(outline.rows.map((r) => [r.location, r]));

  const journeys: ExportJourney[] = [];
  for (const row of outline.rows) {
    if (row.blockType !== 'video' || row.detached) continue;
    const block = blocksByLocation.get(row.location);
    const data = VideoStudentViewDataSchema.safeParse(block?.student_view_data ?? {});
    const viewData = data.success ? data.data : {};
    const video = chooseEncoding(viewData.encoded_videos ?? {});
    const ancestors = ancestorsOf(row, rowsByLocation).filter((a) => BREADCRUMB_TYPES.has(a.blockType));
    journeys.push({
      uid: row.location,
      instructor: options.instructorName ?? '',
      title: row.displayName,
      description: ancestors.map((a) => a.displayName).join(' › '),
      subcategory: ancestors.find((a) => a.blockType === 'chapter')?.displayName ?? '',
      // `edx_video_id` is a block field the LMS sends only when COURSE_BLOCKS_API_EXTRA_FIELDS lists it.
      videoContentFileUid: block?.edx_video_id || row.blockId,
      exportUid: video ? `${video.profile}|${video.url}` : '',
      exportPartUid: video?.fileSize ? String(video.fileSize) : '',
      video,
    });
  }

  return {
    courseKey: snapshot.courseKey,
    exporterVersion: options.includeMedia ? EXPORTER_VERSION_WITH_MEDIA : EXPORTER_VERSION,
    course: {
      title: courseNameFromApi(detail.name),
      titleShort: detail.number,
      description: detail.short_description ?? '',
      backgroundImageUid: detail.media?.course_image?.uri ?? '',
      backgroundBaseUrl: detail.media?.image?.raw ?? '',
    },
    journeys,
  };
}

/** Nearest first, the course root excluded. */
function ancestorsOf(row: OutlineRow, rows: Map<string, OutlineRow>): OutlineRow[] {
  const out: OutlineRow[] = [];
  const seen = new Set<string>();
  for (let parent = row.parent; parent !== null && !seen.has(parent);) {
    seen.add(parent);
    const p = rows.get(parent);
    if (!p || p.depth === 0) break;
    out.push(p);
    parent = p.parent;
  }
  return out;
}

const LINK_ONLY_PROFILES = ['hls', 'youtube'];

/**
 * Deterministic, whatever order the LMS lists encodings in: desktop_mp4, else the largest mp4 (ties by
 * profile name), else HLS or YouTube as a link, else any other encoding as a link.
 */
export function chooseEncoding(encodings: Record<string, EncodedVideo>): ChosenEncoding | null {
  // The LMS's CDN rewrite can leave an encoding without a URL; only that encoding is unusable.
  const usable = Object.entries(encodings)
    .filter((entry): entry is [string, EncodedVideo & { url: string }] => {
      const url = entry[1].url;
      return typeof url === 'string' && url.trim() !== '';
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sizeOf = (e: EncodedVideo) =>
    typeof e.file_size === 'number' && e.file_size > 0 ? e.file_size : null;
  const pick = (profile: string, e: EncodedVideo & { url: string }, linkOnly: boolean): ChosenEncoding => ({
    profile,
    url: e.url,
    fileSize: sizeOf(e),
    linkOnly,
  });

  const desktop = usable.find(([p]) => p === 'desktop_mp4');
  if (desktop) return pick(desktop[0], desktop[1], false);
  const mp4s = usable.filter(([p, e]) => /mp4/i.test(p) || /\.mp4$/i.test(urlPath(e.url)));
  if (mp4s.length > 0) {
    const [profile, e] = mp4s.reduce((best, cur) =>
      (sizeOf(cur[1]) ?? -1) > (sizeOf(best[1]) ?? -1) ? cur : best,
    );
    return pick(profile, e, false);
  }
  for (const wanted of LINK_ONLY_PROFILES) {
    const found = usable.find(([p]) => p === wanted);
    if (found) return pick(found[0], found[1], true);
  }
  const other = usable[0];
  return other ? pick(other[0], other[1], true) : null;
}

function urlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/)[0] ?? '';
  }
}
