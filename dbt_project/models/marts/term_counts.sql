{#- Papers per (term, ISO week); rules in _marts.yml. -#}

with week_papers as (
    select period_start, paper_id
    from {{ ref('int_period_papers') }}
    where grain = 'week'
),

totals as (
    select period_start, count(*) as n_papers_total
    from week_papers
    group by period_start
),

supported as (
    -- one paper never makes a trend: terms of at least term_min_papers papers
    select term
    from {{ ref('int_paper_terms') }}
    group by term
    having count(*) >= {{ var('term_min_papers') }}
),

counts as (
    select pt.term, wp.period_start, count(*) as n_papers
    from week_papers as wp
    inner join {{ ref('int_paper_terms') }} as pt on pt.paper_id = wp.paper_id
    where pt.term in (select term from supported)
    group by pt.term, wp.period_start
)

select
    c.term,
    'week' as grain,  -- SHIM until the engine of issue 18 (18a) lands
    c.period_start,
    c.n_papers,
    c.n_papers / t.n_papers_total as share,
    t.n_papers_total
from counts as c
inner join totals as t on t.period_start = c.period_start
