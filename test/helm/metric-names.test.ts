import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Metrics } from '../../src/app/metrics.js';

const chart = path.resolve(import.meta.dirname, '../../helm/course-sink');

interface Dashboard {
  panels: { title: string; targets?: { expr: string }[] }[];
  templating: { list: { query?: string | { query: string } }[] };
}

interface RuleFile {
  groups: { rules: { alert: string; expr: string }[] }[];
}

/** Every series name /metrics can expose: histograms also as _bucket, _sum and _count. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = new Metrics();
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}

function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bcourse_sink_[a-z0-9_]+/g)].map((m) => m[0]);
}

async function dashboardExprs(): Promise<string[]> {
  const dashboard = JSON.parse(await readFile(path.join(chart, 'files/dashboard.json'), 'utf8')) as Dashboard;
  const targets = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
  const variables = dashboard.templating.list.map((v) => (typeof v.query === 'string' ? '' : (v.query?.query ?? '')));
  return [...targets, ...variables];
}

async function alertExprs(): Promise<string[]> {
  const rules = parse(await readFile(path.join(chart, 'files/alerts.yaml'), 'utf8')) as RuleFile;
  return rules.groups.flatMap((g) => g.rules).map((r) => r.expr);
}

describe('dashboard and alerts', () => {
  it('query only metrics that /metrics exports', async () => {
    const exported = await exportedNames();
    const used = [...(await dashboardExprs()), ...(await alertExprs())].flatMap(metricNames);
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('chart every course-sink metric on the dashboard', async () => {
    const exported = [...(await exportedNames())].filter((n) => n.startsWith('course_sink_'));
    const charted = new Set((await dashboardExprs()).flatMap(metricNames));
    // A histogram is charted through its buckets.
    const missing = exported.filter(
      (name) => !charted.has(name) && !charted.has(`${name}_bucket`) && !/_(sum|count)$/.test(name),
    );
    expect(missing).toEqual([]);
  });

  it('alert on lag, dead letters, parked and retrying courses, missing syncs and dead-letter failures', async () => {
    const alerted = new Set((await alertExprs()).flatMap(metricNames));
    for (const name of [
      'course_sink_consumer_lag',
      'course_sink_dead_letters_total',
      'course_sink_courses_parked_total',
      'course_sink_courses_retrying',
      'course_sink_syncs_total',
      'course_sink_events_consumed_total',
      'course_sink_dead_letter_failures_total',
    ]) {
      expect(alerted, name).toContain(name);
    }
  });
});
