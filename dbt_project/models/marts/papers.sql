{#- One row per paper; rules in _marts.yml.
    Incremental, and safe under any subset of models built: papers keeps its
    own change state. Each row stores n_mentions and mentions_fingerprint
    (bit_xor of a hash of every mention's key and content). A run recomputes,
    in full from all their mentions, exactly the papers whose count or
    fingerprint from int_paper_mentions differs from the stored one (new
    mentions, or mentions moved to another paper_id because their title key
    gained an arXiv id), so rows equal a full refresh whatever was built before.
    Papers left without mentions are deleted by the post-hook. A row of an older
    build without a fingerprint (null) is recomputed. -#}
{{ config(
    materialized='incremental',
    unique_key='paper_id',
    on_schema_change='append_new_columns',
    post_hook="delete from {{ this }} where paper_id not in (select paper_id from {{ ref('int_paper_mentions') }})"
) }}
{%- set fingerprint -%}
    bit_xor(hash(snapshot_id, position, text_hash, snapshot_date, ingested_at, fetched_at, upvotes, authors_count,
                 organization, published_on, arxiv_id))
{%- endset %}

{%- set has_state = false -%}
{%- if execute and is_incremental() -%}
    {%- set has_state = 'mentions_fingerprint' in (adapter.get_columns_in_relation(this) | map(attribute='name') | list) -%}
{%- endif %}

with mentions as (
    select * from {{ ref('int_paper_mentions') }}
),

{% if has_state %}
current_state as (
    select paper_id, count(distinct snapshot_date) as n_mentions, {{ fingerprint }} as mentions_fingerprint
    from mentions
    group by paper_id
),

affected as (
    select c.paper_id
    from current_state as c
    left join {{ this }} as p on p.paper_id = c.paper_id
    where p.paper_id is null
        or p.n_mentions is distinct from c.n_mentions
        or p.mentions_fingerprint is distinct from c.mentions_fingerprint
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
        -- one mention per (paper, snapshot date): a re-fetch of a day is another version, not another mention
        count(distinct snapshot_date) as n_mentions,
        max(upvotes) as max_upvotes,
        -- arg_max skips null upvotes: the newest mention that shows a count
        arg_max(upvotes, recency) as latest_upvotes,
        arg_max(authors_count, recency) as authors_count,
        arg_max(organization, recency) as organization,
        arg_max(published_on, recency) as published_on,
        arg_max(arxiv_id, recency) as arxiv_id,
        {{ fingerprint }} as mentions_fingerprint
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
    l.latest_upvotes,
    l.authors_count,
    l.organization,
    l.published_on,
    l.arxiv_id,
    l.mentions_fingerprint
from latest as l
inner join {{ ref('stg_paper_mentions') }} as m
    on m.snapshot_id = l.source.snapshot_id and m.position = l.source.position
