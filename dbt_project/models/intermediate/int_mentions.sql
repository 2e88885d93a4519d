{#- Every valid mention, narrow (no abstract): its snapshot's date, fetch and load
    times, title key and a hash of its text. Incremental by snapshot: raw is
    append-only and a snapshot is loaded in one transaction, so a snapshot
    already here is complete. -#}
{{ config(materialized='incremental', unique_key=['snapshot_id', 'position'], on_schema_change='fail') }}

select
    m.snapshot_id,
    s.snapshot_date,
    s.ingested_at,
    s.fetched_at,
    m.position,
    m.title,
    k.title_key,
    md5(m.title || chr(10) || coalesce(m.abstract, '')) as text_hash,
    m.authors_count,
    m.organization,
    m.published_on,
    m.upvotes,
    m.arxiv_id
from {{ ref('stg_paper_mentions') }} as m
inner join {{ ref('stg_snapshots') }} as s on s.snapshot_id = m.snapshot_id
inner join {{ ref('int_title_keys') }} as k on k.title = m.title
{% if is_incremental() %}
where m.snapshot_id not in (select distinct snapshot_id from {{ this }})
{% endif %}
