import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { isRetryable, PermanentError } from '../../../src/errors.js';
import { classifyClickHouseError } from '../../../src/sinks/clickhouse/errors.js';

const DOING = 'writing 3 row(s) of course-v1:A+B+C to event_sink.course_blocks';

describe('classifyClickHouseError', () => {
  it('treats network failures and client timeouts as retryable', () => {
    for (const err of [
      new Error('Timeout error.'),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ]) {
      const out = classifyClickHouseError(err, DOING);
      expect(isRetryable(out)).toBe(true);
      expect(out.message).toContain(DOING);
    }
  });

  it('treats transient server errors as retryable, in both error spellings', () => {
    expect(
      isRetryable(
        classifyClickHouseError(
          new ClickHouseError({ message: 'x', code: '252', type: 'TOO_MANY_PARTS' }),
          DOING,
        ),
      ),
    ).toBe(true);
    expect(
      isRetryable(
        classifyClickHouseError(
          new Error('Code: 159, e.displayText() = DB::Exception: Timeout exceeded'),
          DOING,
        ),
      ),
    ).toBe(true);
  });

  it('keeps events waiting on bad credentials, a configuration problem, and says which settings to check', () => {
    const out = classifyClickHouseError(
      new Error(
        'Code: 193, e.displayText() = DB::Exception: Wrong password for user default, e.what() = DB::Exception',
      ),
      DOING,
    );
    expect(isRetryable(out)).toBe(true);
    expect(out.message).toMatch(/CLICKHOUSE_USER and CLICKHOUSE_PASSWORD/);
  });

  it.each([
    [497, 'Code: 497. DB::Exception: course_sink: Not enough privileges. (ACCESS_DENIED)'],
    [
      81,
      "Code: 81, e.displayText() = DB::Exception: Database event_sink doesn't exist, e.what() = DB::Exception",
    ],
    [60, 'Code: 60. DB::Exception: Table event_sink.course_blocks does not exist. (UNKNOWN_TABLE)'],
  ])(
    'keeps events waiting when the deployment is wrong (code %i), pointing at migrate and grants',
    (_code, text) => {
      const out = classifyClickHouseError(new Error(text), DOING);
      expect(isRetryable(out)).toBe(true);
      expect(out.message).toMatch(/course-sink migrate/);
    },
  );

  it('treats values that do not parse as permanent', () => {
    const out = classifyClickHouseError(
      new ClickHouseError({ message: 'Cannot parse UUID', code: '376', type: 'CANNOT_PARSE_UUID' }),
      DOING,
    );
    expect(out).toBeInstanceOf(PermanentError);
    expect(out.name).toBe('PermanentError');
    expect(out.message).toContain('course_blocks');
  });
});
