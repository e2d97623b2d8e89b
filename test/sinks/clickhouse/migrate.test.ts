import { describe, expect, it } from 'vitest';
import { loadMigrations, renderMigration } from '../../../src/sinks/clickhouse/migrate.js';

describe('ClickHouse migration files', () => {
  it('are numbered and create everything only if missing', async () => {
    const files = await loadMigrations();
    expect(files.map((f) => f.name)).toEqual([
      '0001_event_sink_database.sql',
      '0002_course_overviews.sql',
      '0003_course_blocks.sql',
      '0004_course_relationships.sql',
      '0005_course_sink_dumps.sql',
      '0006_taxonomy.sql',
      '0007_tag.sql',
      '0008_object_tag.sql',
    ]);
    for (const f of files) expect(f.sql).toMatch(/CREATE (DATABASE|TABLE) IF NOT EXISTS/);
  });

  it('render ON CLUSTER and Replicated engines when a cluster is configured, as Aspects does', async () => {
    const blocks = (await loadMigrations()).find((f) => f.name === '0003_course_blocks.sql')!;
    const sql = renderMigration(blocks.sql, {
      database: 'event_sink',
      cluster: 'aspects-cluster',
      capabilities: { boolType: true },
    });
    expect(sql).toContain(
      "CREATE TABLE IF NOT EXISTS event_sink.course_blocks\nON CLUSTER 'aspects-cluster'",
    );
    expect(sql).toContain('engine = ReplicatedMergeTree');
    expect(sql).toContain('order Int32 default 0,');
    expect(sql).not.toContain('--');
  });

  it('drop Bool and NOT NULL only for servers that predate them', async () => {
    const overviews = (await loadMigrations()).find((f) => f.name === '0002_course_overviews.sql')!;
    const modern = renderMigration(overviews.sql, {
      database: 'event_sink',
      capabilities: { boolType: true },
    });
    const legacy = renderMigration(overviews.sql, {
      database: 'event_sink',
      capabilities: { boolType: false },
    });
    expect(modern).toContain('self_paced BOOL NOT NULL,');
    expect(legacy).toContain('self_paced UInt8,');
    expect(legacy).not.toContain('NOT NULL');
  });

  it('refuse a database or cluster name that is not a plain identifier', () => {
    expect(() =>
      renderMigration('{database}', { database: 'x; DROP', capabilities: { boolType: true } }),
    ).toThrow(/CLICKHOUSE_DATABASE/);
    expect(() =>
      renderMigration('{on_cluster}', { database: 'x', cluster: "a'b", capabilities: { boolType: true } }),
    ).toThrow(/CLICKHOUSE_CLUSTER/);
  });
});
