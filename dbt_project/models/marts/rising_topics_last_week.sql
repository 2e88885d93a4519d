{#- Rising topics of the last complete ISO week (rule in _marts.yml), beside
    publish's marts.rising_topics_latest, which shows the running week. -#}
{{ config(materialized='view') }}

with last_complete as (
    {{ last_complete_week(ref('topic_trends'), "select max(snapshot_date) from " ~ ref('stg_observed_dates')) }}
)

select
    tr.period_start as week_start,
    tr.topic_id,
    t.label,
    tr.n_papers,
    tr.share,
    tr.prev_n_papers,
    tr.growth,
    tr.zscore,
    tr.rank,
    tr.rank_change,
    tr.rising_reason
from {{ ref('topic_trends') }} as tr
inner join last_complete as lc on lc.week_start = tr.period_start
inner join {{ ref('mart_topics') }} as t on t.topic_id = tr.topic_id
where tr.grain = 'week' and tr.is_rising
order by tr.zscore desc nulls last, tr.topic_id
