import { describe, expect, it } from 'vitest';
import {
  BlocksResponseSchema,
  CourseDetailSchema,
  VideoStudentViewDataSchema,
} from '../../src/openedx/api-types.js';
import { syntheticCourse, syntheticSnapshot } from './synthetic-course.js';

describe('syntheticCourse', () => {
  it('has the requested number of blocks, answered by the test LMS with graded subsections and encoded videos', () => {
    const course = syntheticSnapshot({ blocks: 500, courseKey: 'course-v1:T+S+1' });
    const blocks = Object.values(BlocksResponseSchema.parse(course.blocks).blocks);
    CourseDetailSchema.parse(course.detail);
    expect(blocks).toHaveLength(500);
    expect(new Set(blocks.map((b) => b.type))).toEqual(
      new Set(['course', 'chapter', 'sequential', 'vertical', 'html', 'video', 'problem']),
    );
    expect(blocks.some((b) => b.type === 'sequential' && b.graded)).toBe(true);
    const video = blocks.find((b) => b.type === 'video')!;
    expect(video.edx_video_id).toMatch(/^vid-/);
    expect(
      Object.keys(VideoStudentViewDataSchema.parse(video.student_view_data).encoded_videos ?? {}),
    ).toContain('desktop_mp4');
  });

  it('is deterministic and fast at 100k blocks', () => {
    const started = performance.now();
    const a = syntheticCourse({ blocks: 100_000 });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(a.blocks).toHaveLength(100_000);
    expect(syntheticCourse({ blocks: 300 })).toEqual(syntheticCourse({ blocks: 300 }));
  });
});
