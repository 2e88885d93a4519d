{#- One row per mention. Incremental against its own previous state (so it
    can be built alone, before or after papers): new mentions, and old ones
    whose paper_id changed (their title key gained an arXiv id), are
    rewritten; every other row is unchanged, as raw is append-only. -#}
{{ config(materialized='incremental', unique_key=['snapshot_id', 'position'], on_schema_change='fail') }}

select
    m.snapshot_id,
    m.snapshot_date,
    m.position,
    m.paper_id,
    m.title,
    m.upvotes,
    m.fetched_at
from {{ ref('int_paper_mentions') }} as m
{% if is_incremental() %}
left join {{ this }} as p on p.snapshot_id = m.snapshot_id and p.position = m.position
where p.paper_id is distinct from m.paper_id
{% endif %}
