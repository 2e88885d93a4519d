{#- Formulas and thresholds: see _marts.yml (vars in dbt_project.yml); the
    scoring itself is the trend_scores macro, shared with term_trends. -#}

with periods as (
    {{ trend_periods(ref('int_period_papers')) }}
),

topic_totals as (
    select pp.grain, pp.period_start, pt.topic_id, count(*) as n_papers
    from {{ ref('int_period_papers') }} as pp
    inner join {{ ref('paper_topics') }} as pt on pt.paper_id = pp.paper_id
    group by pp.grain, pp.period_start, pt.topic_id
),

grid as (
    -- every topic x every period from the first to the last one with data, gaps included
    select
        t.topic_id,
        p.grain,
        p.period_start,
        coalesce(tt.n_papers, 0) as n_papers,
        p.n_papers_total,
        p.prev_n_papers_total,
        p.data_idx
    from periods as p
    cross join {{ ref('mart_topics') }} as t
    left join topic_totals as tt
        on tt.grain = p.grain and tt.period_start = p.period_start and tt.topic_id = t.topic_id
),

scored as (
    {{ trend_scores('grid', ['topic_id'], {
        'min_papers': var('rising_min_papers'),
        'min_ratio': var('rising_min_ratio'),
        'min_lift': var('rising_min_lift'),
        'jump_z': var('rising_jump_z'),
        'min_z': var('rising_min_z'),
    }) }}
)

select
    topic_id,
    grain,
    period_start,
    n_papers,
    n_papers_total,
    share,
    prev_n_papers,
    growth,
    baseline_share,
    zscore,
    rank,
    rank_change,
    is_flagged as is_rising,
    flag_reason as rising_reason
from scored
