import { describe, expect, it } from 'vitest';
import type { Block, CourseSnapshot } from '../../src/openedx/api-types.js';
import { chooseEncoding, exportManifest } from '../../src/outline/export-manifest.js';
import { buildOutline } from '../../src/outline/index.js';

const KEY = 'course-v1:edX+DemoX+Demo_Course';
const id = (type: string, blockId: string) => `block-v1:edX+DemoX+Demo_Course+type@${type}+block@${blockId}`;
const block = (type: string, blockId: string, name: string, extra: Partial<Block> = {}): Block => ({
  id: id(type, blockId),
  block_id: blockId,
  type,
  display_name: name,
  ...extra,
});

function snapshot(): CourseSnapshot {
  const blocks: Block[] = [
    block('course', 'course', 'Demo', { children: [id('chapter', 'ch1')] }),
    block('chapter', 'ch1', 'Intro', { children: [id('sequential', 'sq1')] }),
    block('sequential', 'sq1', 'Getting started', { children: [id('vertical', 'u1')] }),
    block('vertical', 'u1', 'Welcome', {
      children: [id('video', 'v1'), id('html', 'h1'), id('video', 'v2')],
    }),
    block('video', 'v1', 'Welcome video', {
      edx_video_id: 'edx-vid-1',
      student_view_data: {
        encoded_videos: {
          mobile_low: { url: 'https://cdn.example.test/v1-low.mp4', file_size: 100 },
          desktop_mp4: { url: 'https://cdn.example.test/v1.mp4', file_size: 5000 },
          youtube: { url: 'https://www.youtube.com/watch?v=abc', file_size: 0 },
        },
      },
    }),
    block('html', 'h1', 'Notes'),
    block('video', 'v2', 'Second video', {
      student_view_data: {
        encoded_videos: { youtube: { url: 'https://www.youtube.com/watch?v=def', file_size: 0 } },
      },
    }),
  ];
  return {
    courseKey: KEY,
    source: 'test',
    blocks: { root: id('course', 'course'), blocks: Object.fromEntries(blocks.map((b) => [b.id, b])) },
    detail: {
      id: KEY,
      name: 'R&amp;D &lt;Demo&gt;',
      number: 'DemoX',
      org: 'edX',
      short_description: 'Learn the platform.',
      start: null,
      pacing: 'self',
      media: {
        course_image: { uri: '/asset-v1:edX+DemoX+Demo_Course+type@asset+block@images_course_image.jpg' },
        image: {
          raw: 'https://lms.example.test/asset-v1:edX+DemoX+Demo_Course+type@asset+block@images_course_image.jpg',
        },
      },
    },
  };
}

describe('exportManifest', () => {
  it('describes the course from the Courses API, undoing only the escaping of < and >', () => {
    const s = snapshot();
    const m = exportManifest(s, buildOutline(s.blocks));
    expect(m.courseKey).toBe(KEY);
    expect(m.exporterVersion).toBe('course-sink/1');
    expect(m.course).toEqual({
      title: 'R&amp;D <Demo>',
      titleShort: 'DemoX',
      description: 'Learn the platform.',
      backgroundImageUid: '/asset-v1:edX+DemoX+Demo_Course+type@asset+block@images_course_image.jpg',
      backgroundBaseUrl:
        'https://lms.example.test/asset-v1:edX+DemoX+Demo_Course+type@asset+block@images_course_image.jpg',
    });
  });

  it('turns the video blocks into journeys in outline order with breadcrumbs and chosen encodings', () => {
    const s = snapshot();
    const m = exportManifest(s, buildOutline(s.blocks), { instructorName: 'Dr. Demo' });
    expect(m.journeys.map((j) => j.title)).toEqual(['Welcome video', 'Second video']);
    expect(m.journeys[0]).toMatchObject({
      uid: id('video', 'v1'),
      instructor: 'Dr. Demo',
      description: 'Welcome › Getting started › Intro',
      subcategory: 'Intro',
      videoContentFileUid: 'edx-vid-1',
      exportUid: 'desktop_mp4|https://cdn.example.test/v1.mp4',
      exportPartUid: '5000',
      video: { linkOnly: false, fileSize: 5000 },
    });
    expect(m.journeys[1]).toMatchObject({
      videoContentFileUid: 'v2',
      exportUid: 'youtube|https://www.youtube.com/watch?v=def',
      exportPartUid: '',
      video: { linkOnly: true, fileSize: null },
    });
  });

  it('skips an encoding the CDN rewrite left without a URL and keeps the other encodings', () => {
    const s = snapshot();
    const v1 = s.blocks.blocks[id('video', 'v1')]!;
    v1.student_view_data = {
      only_on_web: false,
      duration: 30,
      transcripts: {},
      encoded_videos: {
        desktop_mp4: { url: null, file_size: 5000, stream_priority: 1 },
        mobile_low: { url: 'https://edx-video.net/v1-low.mp4', file_size: 100, stream_priority: -1 },
      },
      all_sources: [],
    };
    const [journey] = exportManifest(s, buildOutline(s.blocks)).journeys;
    expect(journey).toMatchObject({
      exportUid: 'mobile_low|https://edx-video.net/v1-low.mp4',
      exportPartUid: '100',
      video: { profile: 'mobile_low', linkOnly: false },
    });
  });

  it('marks a manifest whose archive carries the media files with its own exporter version', () => {
    const s = snapshot();
    expect(exportManifest(s, buildOutline(s.blocks), { includeMedia: true }).exporterVersion).toBe(
      'course-sink/1+media',
    );
  });
});

describe('chooseEncoding', () => {
  it('prefers desktop_mp4 whatever order the encodings come in', () => {
    expect(
      chooseEncoding({
        mobile_high: { url: 'https://c.test/high.mp4', file_size: 9000 },
        desktop_mp4: { url: 'https://c.test/desk.mp4', file_size: 10 },
      })?.profile,
    ).toBe('desktop_mp4');
  });

  it('takes the largest mp4 when there is no desktop_mp4, ties by profile name', () => {
    expect(
      chooseEncoding({
        mobile_low: { url: 'https://c.test/low.mp4', file_size: 10 },
        mobile_high: { url: 'https://c.test/high.mp4', file_size: 90 },
        hls: { url: 'https://c.test/master.m3u8', file_size: 0 },
      }),
    ).toEqual({ profile: 'mobile_high', url: 'https://c.test/high.mp4', fileSize: 90, linkOnly: false });
    expect(
      chooseEncoding({
        mobile_low: { url: 'https://c.test/b.mp4', file_size: 5 },
        fallback: { url: 'https://c.test/a.mp4', file_size: 5 },
      })?.profile,
    ).toBe('fallback');
  });

  it('falls back to HLS, then YouTube, as links; no encoding at all gives none', () => {
    expect(
      chooseEncoding({
        youtube: { url: 'https://www.youtube.com/watch?v=x', file_size: 0 },
        hls: { url: 'https://c.test/master.m3u8', file_size: 0 },
      }),
    ).toMatchObject({ profile: 'hls', linkOnly: true });
    expect(chooseEncoding({ youtube: { url: 'https://www.youtube.com/watch?v=x' } })).toMatchObject({
      profile: 'youtube',
      linkOnly: true,
    });
    expect(chooseEncoding({ desktop_mp4: { url: '' } })).toBeNull();
  });
});
