-- depends_on: {{ ref('papers') }}
{#- One row per mention. Built after papers, which reads the previous state
    of this table to find changed papers. Incremental: new mentions, and old
    ones whose paper_id changed (their title key gained an arXiv id), are
    rewritten; every other row is unchanged, as raw is append-only. -#}
{{ config(materialized='incremental', unique_key=['snapshot_id', 'position'], on_schema_change='fail') }}

select
    m.snapshot_id,
    m.snapshot_date,
    m.position,
    m.paper_id,
    m.title,
    m.upvotes
from {{ ref('int_paper_mentions') }} as m
{% if is_incremental() %}
left join {{ this }} as p on p.snapshot_id = m.snapshot_id and p.position = m.position
where p.paper_id is distinct from m.paper_id
{% endif %}
