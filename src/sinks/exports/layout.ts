import type { ExportJourney, ExportManifest } from '../../outline/export-manifest.js';
import { UniqueStems } from './names.js';

/** One file of the archive: text rendered here, or a media file fetched from its URL while zipping. */
export type ArchiveEntry =
  { path: string; text: string } | { path: string; mediaUrl: string; journeyUid: string };

const MEDIA_EXTENSIONS = new Set(['mp4', 'm4v', 'webm', 'mov', 'ogv']);

/**
 * What the archive holds, computed from the manifest alone: `index.html`, `meta.txt`, one
 * `classes/<name>.txt` per journey and, with media, `classes/<name>.<ext>` for each downloadable video.
 */
export function archiveLayout(manifest: ExportManifest, options: { includeMedia: boolean }): ArchiveEntry[] {
  const stems = new UniqueStems();
  const entries: ArchiveEntry[] = [];
  const players: Player[] = [];
  for (const journey of manifest.journeys) {
    const stem = stems.next(journey.title);
    entries.push({ path: `classes/${stem}.txt`, text: classText(journey) });
    const video = journey.video;
    if (!video) {
      players.push({ journey, kind: 'none' });
    } else if (options.includeMedia && !video.linkOnly) {
      const path = `classes/${stem}.${mediaExtension(video.url)}`;
      entries.push({ path, mediaUrl: video.url, journeyUid: journey.uid });
      players.push({ journey, kind: 'video', src: path.split('/').map(encodeURIComponent).join('/') });
    } else if (video.linkOnly) {
      players.push({ journey, kind: 'link', href: video.url });
    } else {
      players.push({ journey, kind: 'video', src: video.url });
    }
  }
  entries.unshift(
    { path: 'index.html', text: indexHtml(manifest, players) },
    {
      path: 'meta.txt',
      text: `exporter version: ${manifest.exporterVersion}\ncourse: ${manifest.courseKey}\n`,
    },
  );
  return entries;
}

function mediaExtension(url: string): string {
  let pathname = url;
  try {
    pathname = new URL(url).pathname;
  } catch {
    // Not an absolute URL: use it as it is.
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(pathname)?.[1]?.toLowerCase();
  return ext && MEDIA_EXTENSIONS.has(ext) ? ext : 'mp4';
}

/** The original's class file: title, `by instructor`, a blank line, the description wrapped at 80. */
export function classText(journey: ExportJourney): string {
  const wrapped = wrapText(journey.description, 80);
  return `${journey.title}\nby ${journey.instructor}\n\n${wrapped.join('\n')}\n`;
}

/** Python's textwrap.wrap: words filled greedily into lines of at most `width`, overlong words split. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length <= width) {
      line += ` ${word}`;
      continue;
    }
    if (line !== '') lines.push(line);
    while (word.length > width) {
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    line = word;
  }
  if (line !== '') lines.push(line);
  return lines;
}

type Player =
  | { journey: ExportJourney; kind: 'video'; src: string }
  | { journey: ExportJourney; kind: 'link'; href: string }
  | { journey: ExportJourney; kind: 'none' };

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Only web URLs and relative paths reach an attribute; anything else (javascript:, data:) is dropped. */
function safeUrl(url: string): string | null {
  if (/^https?:\/\//i.test(url)) return url;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) || url.startsWith('//')) return null;
  return url;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
.course-class{margin:2rem 0}.course-class-title{font-size:1.25rem;font-weight:600}
.course-class-instructor,.course-class-description{color:#555}video{width:100%;max-height:70vh;background:#000}`;

function playerHtml(p: Player): string {
  const url = p.kind === 'video' ? safeUrl(p.src) : p.kind === 'link' ? safeUrl(p.href) : null;
  if (p.kind === 'video' && url)
    return `<video controls preload="metadata" src="${escapeHtml(url)}"></video>`;
  if (p.kind === 'link' && url)
    return `<p><a href="${escapeHtml(url)}" rel="noopener noreferrer">Watch the video</a></p>`;
  return '<p>No video is available for this class.</p>';
}

function indexHtml(manifest: ExportManifest, players: Player[]): string {
  const { course } = manifest;
  const classes = players
    .map(
      (p) =>
        `<div class="course-class">\n<div class="course-class-title">${escapeHtml(p.journey.title)}</div>\n` +
        `<div class="course-class-instructor">by ${escapeHtml(p.journey.instructor)}</div>\n` +
        `<div class="course-class-description">${escapeHtml(p.journey.description)}</div>\n` +
        `${playerHtml(p)}\n</div>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(course.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(course.title)}</h1>
<p>${escapeHtml(course.description)}</p>
<h2>Classes</h2>
${classes}
</body>
</html>
`;
}
