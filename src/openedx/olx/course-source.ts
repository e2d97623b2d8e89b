import type { CourseSnapshot } from '../api-types.js';
import type { CourseSource } from '../../sync/ports.js';
import { readOlxCourse, type ReadOlxOptions } from './index.js';

/**
 * A Studio export as the sync's course source. The export is read once up front, because its course
 * key comes from the export itself and the caller needs it before the sync starts.
 */
export class OlxCourseSource implements CourseSource {
  private constructor(private readonly snapshot: CourseSnapshot) {}

  static async open(location: string, options: ReadOlxOptions = {}): Promise<OlxCourseSource> {
    return new OlxCourseSource(await readOlxCourse(location, options));
  }

  get courseKey(): string {
    return this.snapshot.courseKey;
  }

  async getSnapshot(courseKey: string): Promise<CourseSnapshot> {
    if (courseKey !== this.snapshot.courseKey) {
      throw new Error(`this OLX export holds ${this.snapshot.courseKey}, not ${courseKey}`);
    }
    return this.snapshot;
  }
}
