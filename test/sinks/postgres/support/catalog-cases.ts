import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogInfo } from '../../../../src/domain/catalog.js';
import type { CourseDetail } from '../../../../src/openedx/api-types.js';
import { runFromCatalogInfo, runFromCourseDetail } from '../../../../src/sinks/postgres/catalog-input.js';
import { markRunRemoved, syncCourseRun } from '../../../../src/sinks/postgres/catalog.js';
import { migrate } from '../../../../src/sinks/postgres/migrate.js';
import type { TestDatabase, TestDatabaseFactory } from './databases.js';

const LMS = 'https://lms.example.edu';

/** A Courses API detail shaped like the LMS serializer's output (edx-platform's toy course test fixture). */
function detailFor(courseKey: string, overrides: Partial<CourseDetail> = {}): CourseDetail {
  return {
    id: courseKey,
    course_id: courseKey,
    name: 'Toy Course &amp; Friends',
    number: 'toy',
    org: 'edX',
    short_description: 'A course about toys.',
    media: {
      banner_image: { uri: '/asset-v1:edX+toy+2012_Fall+type@asset+block@images_course_image.jpg' },
      course_image: { uri: '/asset-v1:edX+toy+2012_Fall+type@asset+block@just_a_test.jpg' },
      course_video: { uri: 'http://www.youtube.com/watch?v=test_youtube_id' },
      image: { raw: 'http://testserver/asset-v1:edX+toy+2012_Fall+type@asset+block@just_a_test.jpg' },
    },
    start: '2015-07-17T12:00:00Z',
    start_type: 'timestamp',
    start_display: 'July 17, 2015',
    end: '2015-09-19T18:00:00Z',
    enrollment_start: '2015-06-15T00:00:00Z',
    enrollment_end: '2015-07-15T00:00:00Z',
    effort: '6 hours',
    pacing: 'instructor',
    mobile_available: true,
    hidden: false,
    invitation_only: false,
    overview: '<p>About the toy course</p>',
    ...overrides,
  };
}

type RunRow = {
  id: string;
  course_id: string;
  courseware_id: string;
  courseware_url: string | null;
  title: string;
  start_date: Date | null;
  end_date: Date | null;
  enrollment_start: Date | null;
  enrollment_end: Date | null;
  self_paced: boolean;
  hidden: boolean;
  live: boolean;
  removed_from_edx_at: Date | null;
  removal_reason: string | null;
  edx_synced_at: Date | null;
  updated_at: Date;
};

type CourseRow = {
  id: string;
  readable_id: string;
  title: string;
  description: string | null;
  thumbnail: string | null;
  description_edited: boolean;
  live: boolean;
  program_id: string | null;
  position_in_program: number | null;
  updated_at: Date;
};

/** Catalog sync behaviour, on whichever engine makeDatabase provides. Each test uses its own course keys. */
export function catalogCases(makeDatabase: TestDatabaseFactory): void {
  describe('catalog sync', () => {
    let db: TestDatabase;
    let n = 0;
    /** A course key no other test uses: course-v1:MITx+T{n}+{run}. */
    const freshKey = (run = '1T2025') => `course-v1:MITx+T${++n}+${run}`;
    const runRow = async (key: string) =>
      (await db.sql.query<RunRow>('SELECT * FROM course_runs WHERE courseware_id = $1', [key])).rows[0];
    const courseRow = async (readableId: string) =>
      (await db.sql.query<CourseRow>('SELECT * FROM courses WHERE readable_id = $1', [readableId])).rows[0];
    const readable = (key: string) => key.replace(/\+[^+]+$/, '');

    beforeAll(async () => {
      db = await makeDatabase();
      await migrate(db.sql);
    });
    afterAll(() => db.drop());

    it('creates the course and the run on the first sync of a course key', async () => {
      const key = freshKey();
      const result = await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key), { lmsBaseUrl: LMS }));
      expect(result).toMatchObject({ courseKey: key, course: 'created', run: 'created', warnings: [] });

      const course = await courseRow(readable(key));
      expect(course).toMatchObject({
        title: 'Toy Course &amp; Friends',
        description: 'A course about toys.',
        thumbnail: 'http://testserver/asset-v1:edX+toy+2012_Fall+type@asset+block@just_a_test.jpg',
        description_edited: false,
        live: false,
        program_id: null,
      });
      const run = await runRow(key);
      expect(run).toMatchObject({
        course_id: course?.id,
        courseware_url: `${LMS}/courses/${key}/`,
        title: 'Toy Course &amp; Friends',
        start_date: new Date('2015-07-17T12:00:00Z'),
        end_date: new Date('2015-09-19T18:00:00Z'),
        enrollment_start: new Date('2015-06-15T00:00:00Z'),
        enrollment_end: new Date('2015-07-15T00:00:00Z'),
        self_paced: false,
        hidden: false,
        live: false,
        removed_from_edx_at: null,
      });
      expect(run?.edx_synced_at).toBeInstanceOf(Date);
    });

    it('puts a second run of the same course under the existing course', async () => {
      const first = freshKey('1T2025');
      const second = first.replace('1T2025', '2T2025');
      await syncCourseRun(db.sql, runFromCourseDetail(detailFor(first)));
      const result = await syncCourseRun(db.sql, runFromCourseDetail(detailFor(second)));
      expect(result).toMatchObject({ course: 'unchanged', run: 'created' });
      expect((await runRow(first))?.course_id).toBe((await runRow(second))?.course_id);
    });

    it('overwrites edX-owned run fields and keeps everything owned locally', async () => {
      const key = freshKey();
      await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key), { lmsBaseUrl: LMS }));
      await db.sql.query("INSERT INTO programs (readable_id, title) VALUES ($1, 'Local program')", [
        `program-${key}`,
      ]);
      await db.sql.query(
        `UPDATE courses SET title = 'Curated title', live = true, position_in_program = 1,
           program_id = (SELECT id FROM programs WHERE readable_id = $2)
         WHERE readable_id = $1`,
        [readable(key), `program-${key}`],
      );
      await db.sql.query('UPDATE course_runs SET live = true WHERE courseware_id = $1', [key]);

      const result = await syncCourseRun(
        db.sql,
        runFromCourseDetail(
          detailFor(key, {
            name: 'Toy Course, Revised',
            start: '2015-08-01T12:00:00Z',
            pacing: 'self',
            hidden: true,
          }),
          { lmsBaseUrl: LMS },
        ),
      );
      expect(result).toMatchObject({ course: 'unchanged', run: 'updated' });
      expect(await runRow(key)).toMatchObject({
        title: 'Toy Course, Revised',
        start_date: new Date('2015-08-01T12:00:00Z'),
        self_paced: true,
        hidden: true,
        live: true,
      });
      const course = await courseRow(readable(key));
      expect(course).toMatchObject({ title: 'Curated title', live: true, position_in_program: 1 });
      expect(course?.program_id).not.toBeNull();
    });

    it('keeps a locally edited description and follows edX for one that was not edited', async () => {
      const key = freshKey();
      await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key)));
      await db.sql.query("UPDATE courses SET description = 'Written by our editors' WHERE readable_id = $1", [
        readable(key),
      ]);
      const changed = detailFor(key, {
        short_description: 'New text from Studio',
        media: { image: { raw: 'http://testserver/new.jpg' } },
      });
      const result = await syncCourseRun(db.sql, runFromCourseDetail(changed));
      expect(result.course).toBe('updated');
      expect(await courseRow(readable(key))).toMatchObject({
        description: 'Written by our editors',
        description_edited: true,
        thumbnail: 'http://testserver/new.jpg',
      });
    });

    it('writes nothing when a resync brings no change, leaving updated_at alone', async () => {
      const key = freshKey();
      await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key), { lmsBaseUrl: LMS }));
      const runBefore = await runRow(key);
      const courseBefore = await courseRow(readable(key));
      const result = await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key), { lmsBaseUrl: LMS }));
      expect(result).toMatchObject({ course: 'unchanged', run: 'unchanged' });
      expect(await runRow(key)).toEqual(runBefore);
      expect(await courseRow(readable(key))).toEqual(courseBefore);
    });

    it('keeps the stored courseware_url when a sync runs without LMS_BASE_URL', async () => {
      const key = freshKey();
      await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key), { lmsBaseUrl: LMS }));
      const result = await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key)));
      expect(result.run).toBe('unchanged');
      expect((await runRow(key))?.courseware_url).toBe(`${LMS}/courses/${key}/`);
    });

    it('ends with exactly one course and one run after 20 concurrent syncs of a new course', async () => {
      const key = freshKey();
      const others = await Promise.all([db.connect(), db.connect()]);
      const clients = [db.sql, ...others];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          syncCourseRun(
            clients[i % clients.length]!,
            runFromCourseDetail(detailFor(key), { lmsBaseUrl: LMS }),
          ),
        ),
      );
      expect(results.filter((r) => r.run === 'created')).toHaveLength(1);
      expect(results.filter((r) => r.course === 'created')).toHaveLength(1);
      const counts = await db.sql.query<{ courses: string; runs: string }>(
        `SELECT (SELECT count(*) FROM courses WHERE readable_id = $1) AS courses,
                (SELECT count(*) FROM course_runs WHERE courseware_id = $2) AS runs`,
        [readable(key), key],
      );
      expect(counts.rows[0]).toEqual({ courses: '1', runs: '1' });
    });

    it('marks a run removed from edX and keeps its rows; a later sync brings it back', async () => {
      const key = freshKey();
      await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key)));
      expect(await markRunRemoved(db.sql, key, 'deleted_in_studio')).toBe('marked');
      const removed = await runRow(key);
      expect(removed).toMatchObject({
        removal_reason: 'deleted_in_studio',
        title: 'Toy Course &amp; Friends',
      });
      expect(removed?.removed_from_edx_at).toBeInstanceOf(Date);
      expect(await courseRow(readable(key))).toBeDefined();

      expect(await markRunRemoved(db.sql, key, 'not_found_in_lms')).toBe('already_removed');
      expect((await runRow(key))?.removal_reason).toBe('deleted_in_studio');

      const back = await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key)));
      expect(back.run).toBe('updated');
      expect(await runRow(key)).toMatchObject({ removed_from_edx_at: null, removal_reason: null });
    });

    it('reports a removal of a run it never saw as unknown, writing nothing', async () => {
      const key = freshKey();
      expect(await markRunRemoved(db.sql, key, 'not_found_in_lms')).toBe('unknown');
      expect(await runRow(key)).toBeUndefined();
    });

    it('syncs from catalog_info when the LMS could not be read, without touching course-level fields', async () => {
      const key = freshKey();
      const info: CatalogInfo = {
        courseKey: key,
        name: 'Data & Society',
        schedule: {
          start: '2025-01-10T00:00:00Z',
          pacing: 'self',
          end: null,
          enrollmentStart: '2024-12-01T00:00:00Z',
          enrollmentEnd: null,
        },
        hidden: false,
        invitationOnly: false,
      };
      const created = await syncCourseRun(db.sql, runFromCatalogInfo(info));
      expect(created).toMatchObject({ course: 'created', run: 'created' });
      expect(await courseRow(readable(key))).toMatchObject({ title: 'Data & Society', description: null });
      expect(await runRow(key)).toMatchObject({
        title: 'Data & Society',
        start_date: new Date('2025-01-10T00:00:00Z'),
        end_date: null,
        self_paced: true,
        courseware_url: null,
      });

      await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key)));
      const fromInfo = await syncCourseRun(db.sql, runFromCatalogInfo({ ...info, hidden: true }));
      expect(fromInfo).toMatchObject({ course: 'unchanged', run: 'updated' });
      expect(await courseRow(readable(key))).toMatchObject({ description: 'A course about toys.' });
      expect((await runRow(key))?.hidden).toBe(true);
    });

    it('stores a run whose end precedes its start with the end empty, and says so', async () => {
      const key = freshKey();
      const result = await syncCourseRun(
        db.sql,
        runFromCourseDetail(
          detailFor(key, {
            start: '2025-03-01T00:00:00Z',
            end: '2025-01-01T00:00:00Z',
            enrollment_start: '2025-02-01T00:00:00Z',
            enrollment_end: '2025-01-15T00:00:00Z',
          }),
        ),
      );
      expect(result.run).toBe('created');
      expect(result.warnings).toHaveLength(2);
      expect(await runRow(key)).toMatchObject({
        start_date: new Date('2025-03-01T00:00:00Z'),
        end_date: null,
        enrollment_start: new Date('2025-02-01T00:00:00Z'),
        enrollment_end: null,
      });
    });

    it('enforces the schedule and program-position constraints for local writers too', async () => {
      const key = freshKey();
      await syncCourseRun(db.sql, runFromCourseDetail(detailFor(key)));
      await expect(
        db.sql.query(
          "UPDATE course_runs SET end_date = start_date - interval '1 day' WHERE courseware_id = $1",
          [key],
        ),
      ).rejects.toThrow(/course_runs_end_after_start/);
      await db.sql.query("INSERT INTO programs (readable_id, title) VALUES ($1, 'P')", [`program-${key}`]);
      const other = freshKey();
      await syncCourseRun(db.sql, runFromCourseDetail(detailFor(other)));
      const place = `UPDATE courses SET program_id = (SELECT id FROM programs WHERE readable_id = $2), position_in_program = 1
                     WHERE readable_id = $1`;
      await db.sql.query(place, [readable(key), `program-${key}`]);
      await expect(db.sql.query(place, [readable(other), `program-${key}`])).rejects.toThrow(
        /courses_program_position_key/,
      );
    });
  });
}
