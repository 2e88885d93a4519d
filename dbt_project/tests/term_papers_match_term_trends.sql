-- marts.term_papers holds as many papers per flagged (term, grain, period)
-- as term_trends counts (n_papers): rows returned here are mismatches.
with listed as (
    select term, grain, period_start, count(*) as n_listed
    from {{ ref('term_papers') }}
    group by all
)

select tr.term, tr.grain, tr.period_start, tr.n_papers, coalesce(l.n_listed, 0) as n_listed
from {{ ref('term_trends') }} as tr
left join listed as l using (term, grain, period_start)
where tr.is_emerging and tr.n_papers <> coalesce(l.n_listed, 0)
union all
select l.term, l.grain, l.period_start, null, l.n_listed
from listed as l
left join {{ ref('term_trends') }} as tr using (term, grain, period_start)
where not coalesce(tr.is_emerging, false)
