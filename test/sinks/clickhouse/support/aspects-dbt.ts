import type { ClickHouseClient } from '@clickhouse/client';

/**
 * aspects-dbt's course models (models/courses/, v7.0.0), rewritten as plain SQL for a test database:
 * dictionaries become subqueries (one row per key, typed as the dictionary declares), and
 * dim_most_recent_course_blocks is created the way dbt-clickhouse materializes it: a
 * ReplacingMergeTree target ordered by location, fed by a materialized view on course_blocks.
 */

const mostRecentSelect = (db: string) => `
select
    course_blocks.location as location,
    course_blocks.display_name as block_name,
    toString(section) || ':' || toString(subsection) || ':' || toString(unit) || ' - ' || course_blocks.display_name
        as display_name_with_location,
    JSONExtractInt(course_blocks.xblock_data_json, 'section') as section,
    JSONExtractInt(course_blocks.xblock_data_json, 'subsection') as subsection,
    JSONExtractInt(course_blocks.xblock_data_json, 'unit') as unit,
    JSONExtractBool(course_blocks.xblock_data_json, 'graded') as graded,
    course_blocks.order as course_order,
    course_blocks.course_key as course_key,
    course_blocks.dump_id as dump_id,
    course_blocks.time_last_dumped as time_last_dumped
from ${db}.course_blocks course_blocks
join (
    select location, max(time_last_dumped) as max_time_last_dumped
    from ${db}.course_blocks
    group by location
) latest_course_blocks
  on course_blocks.location = latest_course_blocks.location
 and course_blocks.time_last_dumped = latest_course_blocks.max_time_last_dumped`;

export async function createDimMostRecentCourseBlocks(client: ClickHouseClient, db: string): Promise<void> {
  await client.command({
    query: `CREATE TABLE ${db}.dim_most_recent_course_blocks ENGINE = ReplacingMergeTree() ORDER BY (location)
            AS ${mostRecentSelect(db)}`,
  });
  await client.command({
    query: `CREATE MATERIALIZED VIEW ${db}.dim_most_recent_course_blocks_mv TO ${db}.dim_most_recent_course_blocks
            AS ${mostRecentSelect(db)}`,
  });
}

/** dbt's post-hook, after which the target holds one row per location. */
export async function optimizeDimMostRecent(client: ClickHouseClient, db: string): Promise<void> {
  await client.command({ query: `OPTIMIZE TABLE ${db}.dim_most_recent_course_blocks FINAL` });
}

export const dimCourseNamesSql = (db: string) => `
with latest as (
    select org, course_key, max(modified) as last_modified
    from ${db}.course_overviews
    group by org, course_key
)
select
    course_overviews.course_key as course_key,
    course_overviews.display_name as course_name,
    splitByString('+', course_overviews.course_key)[-1] as course_run,
    course_overviews.org as org,
    JSONExtract(course_overviews.course_data_json, 'tags', 'String') as tags_str
from ${db}.course_overviews course_overviews
inner join latest
    on latest.org = course_overviews.org
    and latest.course_key = course_overviews.course_key
    and course_overviews.modified = latest.last_modified`;

/** The model's SELECT run over course_blocks directly (what dbt's initial backfill does). */
export const dimMostRecentCourseBlocksSql = (db: string) => mostRecentSelect(db);

const dimCourseBlockNamesSql = (db: string) => `
select location, block_name, course_key, CAST(graded, 'Bool') as graded, course_order, display_name_with_location
from ${db}.dim_most_recent_course_blocks final`;

export const dimCourseBlocksSql = (db: string) => `
with dim_course_blocks as (
    select
        courses.org as org, courses.course_key as course_key, courses.course_name as course_name,
        courses.course_run as course_run,
        blocks.location as block_id, blocks.block_name as block_name,
        splitByString(' - ', blocks.display_name_with_location)[1] as hierarchy_location,
        splitByString(':', hierarchy_location, 3) as _split_hierarchy,
        concat(_split_hierarchy[1], ':', _split_hierarchy[2], ':0') as subsection_number,
        concat(_split_hierarchy[1], ':0:0') as section_number,
        blocks.display_name_with_location as display_name_with_location,
        course_order, graded,
        case
            when block_id like '%@chapter+block@%' then 'section'
            when block_id like '%@sequential+block@%' then 'subsection'
            when block_id like '%@vertical+block@%' then 'unit'
            else regexpExtract(block_id, '@([^+]+)\\\\+block@', 1)
        end as block_type
    from (${dimCourseBlockNamesSql(db)}) blocks
    join (${dimCourseNamesSql(db)} limit 1 by course_key) courses on blocks.course_key = courses.course_key
)
select blocks.org as org, blocks.course_key as course_key, blocks.course_name as course_name,
       blocks.course_run as course_run, blocks.block_id as block_id,
       section_blocks.block_id as section_block_id, subsection_blocks.block_id as subsection_block_id,
       blocks.block_name as block_name, blocks.section_number as section_number,
       blocks.subsection_number as subsection_number, blocks.hierarchy_location as hierarchy_location,
       blocks.display_name_with_location as display_name_with_location, blocks.course_order as course_order,
       blocks.graded as graded, blocks.block_type as block_type,
       section_blocks.display_name_with_location as section_with_name,
       subsection_blocks.display_name_with_location as subsection_with_name
from dim_course_blocks as blocks
left join dim_course_blocks as section_blocks
  on (blocks.section_number = section_blocks.hierarchy_location and blocks.org = section_blocks.org
      and blocks.course_key = section_blocks.course_key and section_blocks.block_id like '%@chapter+block@%')
left join dim_course_blocks as subsection_blocks
  on (blocks.subsection_number = subsection_blocks.hierarchy_location and blocks.org = subsection_blocks.org
      and blocks.course_key = subsection_blocks.course_key and subsection_blocks.block_id like '%@sequential+block@%')
order by course_order`;

export async function selectAll<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** aspects-dbt models/tags/dim_most_recent_{tags,taxonomies,object_tags}: each id's latest row. */
const latestById = (db: string, table: string, columns: string) => `
select ${columns}
from ${db}.${table} ${table}
inner join (select id, max(time_last_dumped) as last_modified from ${db}.${table} group by id) latest
  on latest.id = ${table}.id and ${table}.time_last_dumped = latest.last_modified`;

export const dimMostRecentTagsSql = (db: string) =>
  latestById(
    db,
    'tag',
    'tag.id as id, tag.taxonomy as taxonomy, tag.parent as parent, tag.value as value, tag.external_id as external_id, tag.lineage as lineage',
  );
export const dimMostRecentTaxonomiesSql = (db: string) =>
  latestById(db, 'taxonomy', 'taxonomy.id as id, taxonomy.name as name');
export const dimMostRecentObjectTagsSql = (db: string) =>
  latestById(
    db,
    'object_tag',
    'object_tag.id as id, object_tag.object_id as object_id, object_tag.taxonomy as taxonomy, object_tag._value as _value, object_tag._export_id as _export_id, object_tag.lineage as lineage',
  );

/** aspects-dbt models/tags/dim_most_recent_course_tags over dim_course_names and the two models above. */
export const dimMostRecentCourseTagsSql = (db: string) => `
with parsed_tags as (
    select course_key, course_name, toInt32(arrayJoin(JSONExtractArrayRaw(tags_str))) as tag_id
    from (${dimCourseNamesSql(db)})
)
select
    parsed_tags.course_key as course_key,
    most_recent_tags.value as tag,
    parsed_tags.course_name as course_name,
    most_recent_taxonomies.name as taxonomy_name,
    most_recent_tags.lineage as lineage,
    parsed_tags.tag_id as tag_id
from parsed_tags
inner join (${dimMostRecentTagsSql(db)}) most_recent_tags on most_recent_tags.id = parsed_tags.tag_id
inner join (${dimMostRecentTaxonomiesSql(db)}) most_recent_taxonomies on most_recent_taxonomies.id = most_recent_tags.taxonomy
order by tag_id`;

/** The block tags Superset's filters read: each block's latest row's `tags`, joined to the latest tags. */
export const blockTagsSql = (db: string) => `
select location, toInt32(arrayJoin(JSONExtractArrayRaw(data, 'tags'))) as tag_id
from (select location, argMax(xblock_data_json, time_last_dumped) as data from ${db}.course_blocks group by location)
order by location, tag_id`;
