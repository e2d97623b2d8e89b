import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/app/metrics.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Metrics', () => {
  it('counts a finished sync by outcome, its duration and the courses in flight', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.syncStarted('course-v1:edX+DemoX+Demo_Course');
    metrics.syncStarted('course-v1:edX+Other+2025');
    metrics.syncFinished('course-v1:edX+DemoX+Demo_Course', 'succeeded', 1.5);

    const text = await metrics.text();
    expect(sample(text, 'course_sink_syncs_started_total')).toBe(2);
    expect(sample(text, 'course_sink_syncs_total{outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'course_sink_courses_in_flight')).toBe(1);
    expect(sample(text, 'course_sink_sync_duration_seconds_count')).toBe(1);
    expect(sample(text, 'course_sink_sync_duration_seconds_sum')).toBe(1.5);
    expect(sample(text, 'course_sink_sync_duration_seconds_bucket{le="2.5"}')).toBe(1);
    expect(sample(text, 'course_sink_sync_duration_seconds_bucket{le="1"}')).toBe(0);
  });

  it('counts refused dead letters by topic, parked courses, and gauges the courses retrying', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.deadLetterFailed('dev-course-authoring-xblock-lifecycle.dlq');
    metrics.coursesRetrying(3);
    metrics.coursesRetrying(2);
    metrics.courseParked();
    const text = await metrics.text();
    expect(
      sample(
        text,
        'course_sink_dead_letter_failures_total{topic="dev-course-authoring-xblock-lifecycle.dlq"}',
      ),
    ).toBe(1);
    expect(sample(text, 'course_sink_courses_retrying')).toBe(2);
    expect(sample(text, 'course_sink_courses_parked_total')).toBe(1);
  });

  it('never uses the course key as a label', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.syncStarted('course-v1:edX+DemoX+Demo_Course');
    metrics.syncFinished('course-v1:edX+DemoX+Demo_Course', 'failed', 0.2);
    metrics.rowsWritten('course_blocks', 10);
    expect(await metrics.text()).not.toContain('DemoX');
  });

  it('adds rows written per table', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.rowsWritten('course_blocks', 10);
    metrics.rowsWritten('course_blocks', 5);
    metrics.rowsWritten('course_overviews', 1);
    const text = await metrics.text();
    expect(sample(text, 'course_sink_rows_written_total{table="course_blocks"}')).toBe(15);
    expect(sample(text, 'course_sink_rows_written_total{table="course_overviews"}')).toBe(1);
  });

  it('counts consumed events, decode failures, dead letters and export builds by their label', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.eventConsumed('org.openedx.content_authoring.course.catalog_info.changed.v1');
    metrics.decodeFailed('unknown-schema-id');
    metrics.deadLettered('unknown-schema-id');
    metrics.exportBuilt('failed');
    const text = await metrics.text();
    expect(
      sample(
        text,
        'course_sink_events_consumed_total{event_type="org.openedx.content_authoring.course.catalog_info.changed.v1"}',
      ),
    ).toBe(1);
    expect(sample(text, 'course_sink_decode_failures_total{reason="unknown-schema-id"}')).toBe(1);
    expect(sample(text, 'course_sink_dead_letters_total{reason="unknown-schema-id"}')).toBe(1);
    expect(sample(text, 'course_sink_export_builds_total{outcome="failed"}')).toBe(1);
  });

  it('reads consumer lag from the lag source at every scrape', async () => {
    let lag = 7;
    const metrics = new Metrics({
      defaultMetrics: false,
      lagSource: async () => [
        { topic: 'dev-course-catalog-info-changed', partition: 0, lag },
        { topic: 'dev-course-catalog-info-changed', partition: 1, lag: 0 },
      ],
    });
    const series = 'course_sink_consumer_lag{topic="dev-course-catalog-info-changed",partition="0"}';
    expect(sample(await metrics.text(), series)).toBe(7);
    lag = 2;
    expect(sample(await metrics.text(), series)).toBe(2);
  });

  it('drops the lag series, without failing the scrape, when the lag source fails or hangs', async () => {
    const warnings: unknown[] = [];
    const logger = { warn: (obj: unknown) => void warnings.push(obj) };
    const failing = new Metrics({
      defaultMetrics: false,
      logger,
      lagSource: () => Promise.reject(new Error('broker unreachable')),
    });
    const hanging = new Metrics({
      defaultMetrics: false,
      logger,
      lagTimeoutMs: 50,
      lagSource: () => new Promise(() => {}),
    });

    for (const metrics of [failing, hanging]) {
      const text = await metrics.text();
      expect(text).toContain('# TYPE course_sink_consumer_lag gauge');
      expect(text).not.toContain('course_sink_consumer_lag{');
    }
    expect(warnings).toHaveLength(2);
  });

  it('uses a lag source plugged in after construction', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.setLagSource(async () => [{ topic: 't', partition: 3, lag: 11 }]);
    expect(sample(await metrics.text(), 'course_sink_consumer_lag{topic="t",partition="3"}')).toBe(11);
  });

  it('includes the process metrics by default, in a registry of its own', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.rowsWritten('course_blocks', 1);
    expect(await a.text()).toContain('process_cpu_user_seconds_total');
    expect(sample(await b.text(), 'course_sink_rows_written_total{table="course_blocks"}')).toBeUndefined();
  });
});
