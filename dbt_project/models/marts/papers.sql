{#- One row per paper; rules in _marts.yml.
    Incremental: only papers whose set of mentions changed are recomputed (in
    full, from all their mentions), so the rows equal a full refresh. The
    change is found against marts.paper_mentions as the previous run left it:
    that model is built after this one (it depends on papers), and a mention
    that is new or whose paper_id changed (its title key gained an arXiv id)
    marks both its new and its old paper. Papers left without mentions are
    deleted by the post-hook. -#}
{%- set previous = adapter.get_relation(database=this.database, schema=this.schema, identifier='paper_mentions') -%}
{{ config(
    materialized='incremental',
    unique_key='paper_id',
    on_schema_change='fail',
    post_hook="delete from {{ this }} where paper_id not in (select paper_id from {{ ref('int_paper_mentions') }})"
) }}

with mentions as (
    select * from {{ ref('int_paper_mentions') }}
),

{% if is_incremental() and previous is not none %}
changed as (
    select m.paper_id as new_id, p.paper_id as old_id
    from mentions as m
    left join {{ previous }} as p on p.snapshot_id = m.snapshot_id and p.position = m.position
    where p.paper_id is distinct from m.paper_id
),

affected as (
    select new_id as paper_id from changed
    union
    select old_id from changed where old_id is not null
),

scope as (
    select * from mentions where paper_id in (select paper_id from affected)
),
{% else %}
scope as (
    select * from mentions
),
{% endif %}

latest as (
    select
        paper_id,
        arg_max({'snapshot_id': snapshot_id, 'position': position}, recency) as source,
        arg_max(title, recency) as title,
        arg_max(title_key, recency) as title_key,
        min(snapshot_date) as first_seen_date,
        max(snapshot_date) as last_seen_date,
        count(distinct snapshot_date) as n_snapshots,
        count(*) as n_mentions,
        max(upvotes) as max_upvotes,
        arg_max(authors_count, recency) as authors_count,
        arg_max(organization, recency) as organization,
        arg_max(published_on, recency) as published_on,
        arg_max(arxiv_id, recency) as arxiv_id
    from scope
    group by paper_id
)

-- the abstract of the most recent mention (titles are never null; abstracts may be)
select
    l.paper_id,
    l.title,
    m.abstract,
    l.title_key,
    l.first_seen_date,
    l.last_seen_date,
    l.n_snapshots,
    l.n_mentions,
    l.max_upvotes,
    l.authors_count,
    l.organization,
    l.published_on,
    l.arxiv_id
from latest as l
inner join {{ ref('stg_paper_mentions') }} as m
    on m.snapshot_id = l.source.snapshot_id and m.position = l.source.position
