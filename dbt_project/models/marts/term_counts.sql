{#- Papers per (term, grain, period) for both grains; rules in _marts.yml. -#}

with totals as (
    select grain, period_start, count(*) as n_papers_total
    from {{ ref('int_period_papers') }}
    group by grain, period_start
),

supported as (
    -- one paper never makes a trend: terms of at least term_min_papers papers
    select term
    from {{ ref('int_paper_terms') }}
    group by term
    having count(*) >= {{ var('term_min_papers') }}
),

counts as (
    select pt.term, pp.grain, pp.period_start, count(*) as n_papers
    from {{ ref('int_period_papers') }} as pp
    inner join {{ ref('int_paper_terms') }} as pt on pt.paper_id = pp.paper_id
    where pt.term in (select term from supported)
    group by pt.term, pp.grain, pp.period_start
)

select
    c.term,
    c.grain,
    c.period_start,
    c.n_papers,
    c.n_papers / t.n_papers_total as share,
    t.n_papers_total
from counts as c
inner join totals as t on t.grain = c.grain and t.period_start = c.period_start
