import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../src/errors.js';
import { describeStatement, toSqlError } from '../../../src/sinks/postgres/errors.js';

describe('describeStatement', () => {
  it.each([
    ['INSERT INTO course_runs AS r (a) VALUES ($1)', 'INSERT INTO course_runs'],
    ['  update courses set x = 1', 'UPDATE courses'],
    ['WITH w AS (INSERT INTO courses (a) VALUES (1) RETURNING id) SELECT id FROM w', 'INSERT INTO courses'],
    ['SELECT id FROM course_runs WHERE courseware_id = $1', 'SELECT course_runs'],
    [
      '-- a comment\nCREATE TABLE IF NOT EXISTS course_sink_migrations (x int)',
      'CREATE TABLE IF NOT EXISTS course_sink_migrations',
    ],
    ['BEGIN', 'BEGIN'],
  ])('names the operation and table of %j', (sql, expected) => {
    expect(describeStatement(sql)).toBe(expected);
  });
});

describe('toSqlError', () => {
  const pgError = (code: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error('server said no'), { code, ...extra });

  it.each(['08006', '40001', '40P01', '53300', '57P01', '55P03'])(
    'treats SQLSTATE %s as retryable',
    (code) => {
      expect(toSqlError(pgError(code), 'UPDATE courses')).toBeInstanceOf(RetryableError);
    },
  );

  it.each(['28P01', '42501', '42P01', '42703', '3D000'])(
    'keeps events waiting on configuration problem SQLSTATE %s, pointing at the fix',
    (code) => {
      const err = toSqlError(pgError(code), 'UPDATE courses');
      expect(err).toBeInstanceOf(RetryableError);
      expect(err.message).toMatch(/DATABASE_URL.*course-sink migrate/);
    },
  );

  it.each(['23505', '23514', '42601', '22007'])('treats SQLSTATE %s as permanent', (code) => {
    expect(toSqlError(pgError(code), 'UPDATE courses')).toBeInstanceOf(PermanentError);
  });

  it('treats an unreachable server as retryable and tells the operator where to look', () => {
    const err = toSqlError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      'SELECT',
    );
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toMatch(/check DATABASE_URL/);
  });

  it('names the table, constraint and detail the server reported', () => {
    const err = toSqlError(
      pgError('23505', {
        table: 'course_runs',
        constraint: 'course_runs_courseware_id_key',
        detail: 'Key exists.',
      }),
      'INSERT INTO course_runs',
    );
    expect(err.message).toBe(
      'postgres: INSERT INTO course_runs failed: server said no (Key exists.) [table course_runs, constraint course_runs_courseware_id_key, SQLSTATE 23505]; retrying will not help: fix the data or the schema (run migrations?)',
    );
  });

  it('passes already classified errors through unchanged', () => {
    const permanent = new PermanentError('bad');
    expect(toSqlError(permanent, 'x')).toBe(permanent);
  });
});
