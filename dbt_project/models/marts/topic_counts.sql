-- Dense grid: every topic x every snapshot date, zero when no paper of the
-- topic was mentioned that day.
with daily as (
    select distinct m.snapshot_date, m.paper_id, p.first_seen_date
    from {{ ref('paper_mentions') }} as m
    inner join {{ ref('papers') }} as p on p.paper_id = m.paper_id
),

dates as (
    select snapshot_date, count(*) as n_papers_total
    from daily
    group by snapshot_date
),

topic_daily as (
    select
        pt.topic_id,
        d.snapshot_date,
        count(*) as n_papers,
        count(*) filter (where d.first_seen_date = d.snapshot_date) as n_new_papers
    from daily as d
    inner join {{ ref('paper_topics') }} as pt on pt.paper_id = d.paper_id
    group by pt.topic_id, d.snapshot_date
)

select
    t.topic_id,
    dates.snapshot_date,
    coalesce(td.n_papers, 0) as n_papers,
    coalesce(td.n_new_papers, 0) as n_new_papers,
    dates.n_papers_total
from {{ ref('mart_topics') }} as t
cross join dates
left join topic_daily as td
    on td.topic_id = t.topic_id and td.snapshot_date = dates.snapshot_date
