import type { EncodedVideo, VideoStudentViewData } from '../api-types.js';
import type { XmlElement } from './xml.js';
import { settingString } from './policy.js';

/**
 * What the video XBlock's `student_view_data()` returns for a video, rebuilt from its OLX: encodings the
 * export carries under `<video_asset><encoded_video profile=…>` (edx-val), else the fallback the XBlock uses
 * without edx-val — the first HTML5 source as `fallback` and the YouTube id as `youtube`, both with size 0.
 */
export function videoStudentViewData(
  element: XmlElement,
  settings: Record<string, unknown>,
): VideoStudentViewData {
  const html5Sources = [...parseJsonList(settingString(settings.html5_sources)), ...childSources(element)];
  const allSources = [...new Set(html5Sources)];
  const source = settingString(settings.source) ?? '';
  const youtubeId =
    settingString(settings.youtube_id_1_0) ?? youtubeFromSpeeds(settingString(settings.youtube));

  const asset = element.children.find((c) => c.tag === 'video_asset');
  const encodedVideos: Record<string, EncodedVideo> = {};
  for (const encoded of asset?.children.filter((c) => c.tag === 'encoded_video') ?? []) {
    const profile = encoded.attrs.profile;
    const url = encoded.attrs.url;
    if (!profile || !url) continue;
    const size = Number(encoded.attrs.file_size);
    encodedVideos[profile] = { url, file_size: Number.isFinite(size) ? size : 0 };
  }
  if (Object.keys(encodedVideos).length === 0) {
    const fallback = allSources[0] ?? source;
    if (fallback) encodedVideos.fallback = { url: fallback, file_size: 0 };
    if (youtubeId)
      encodedVideos.youtube = { url: `https://www.youtube.com/watch?v=${youtubeId}`, file_size: 0 };
  }

  const duration = Number(asset?.attrs.duration);
  const data: VideoStudentViewData = {
    only_on_web: settingString(settings.only_on_web) === 'true',
    duration: Number.isFinite(duration) && asset?.attrs.duration !== undefined ? duration : null,
    transcripts: {},
    encoded_videos: encodedVideos,
    all_sources: allSources,
  };
  return data;
}

function childSources(element: XmlElement): string[] {
  return element.children.filter((c) => c.tag === 'source' && c.attrs.src).map((c) => c.attrs.src!);
}

function parseJsonList(value: string | undefined): string[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string' && v !== '') : [];
  } catch {
    return [];
  }
}

/** The legacy `youtube="0.75:id1,1.00:id2"` attribute: the 1.0-speed id is the one the player uses. */
function youtubeFromSpeeds(value: string | undefined): string | undefined {
  for (const pair of value?.split(',') ?? []) {
    const [speed, id] = pair.split(':');
    if (speed && id && Number(speed) === 1) return id.trim();
  }
  return undefined;
}
