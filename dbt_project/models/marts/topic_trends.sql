{#- Formulas and thresholds: see _marts.yml (vars in dbt_project.yml). -#}
{%- set k = var('trend_growth_k') -%}
{%- set n_base = var('trend_baseline_periods') -%}
{%- set n_min = var('trend_min_baseline_periods') -%}

with period_papers as (
    select grain, period_start, paper_id from {{ ref('int_period_papers') }}
),

periods as (
    -- every period from the first to the last one with data, gaps included
    select
        grain,
        unnest(generate_series(
            min(period_start),
            max(period_start),
            case grain when 'week' then interval 7 day else interval 1 month end
        ))::date as period_start
    from period_papers
    group by grain
),

totals as (
    select grain, period_start, count(*) as n_papers_total
    from period_papers
    group by grain, period_start
),

topic_totals as (
    select pp.grain, pp.period_start, pt.topic_id, count(*) as n_papers
    from period_papers as pp
    inner join {{ ref('paper_topics') }} as pt on pt.paper_id = pp.paper_id
    group by pp.grain, pp.period_start, pt.topic_id
),

grid as (
    select
        t.topic_id,
        p.grain,
        p.period_start,
        coalesce(tt.n_papers, 0) as n_papers,
        coalesce(tot.n_papers_total, 0) as n_papers_total,
        coalesce(tt.n_papers, 0) / nullif(tot.n_papers_total, 0) as share
    from periods as p
    cross join {{ ref('mart_topics') }} as t
    left join totals as tot
        on tot.grain = p.grain and tot.period_start = p.period_start
    left join topic_totals as tt
        on tt.grain = p.grain and tt.period_start = p.period_start and tt.topic_id = t.topic_id
),

windowed as (
    select
        *,
        lag(n_papers) over by_topic as prev_n_papers,
        lag(n_papers_total) over by_topic as prev_n_papers_total,
        avg(share) over baseline as baseline_mean,
        stddev_samp(share) over baseline as baseline_sd,
        count(share) over baseline as baseline_periods,
        count(*) over baseline as baseline_rows,
        row_number() over (
            partition by grain, period_start order by n_papers desc, topic_id
        ) as rank
    from grid
    window
        by_topic as (partition by topic_id, grain order by period_start),
        baseline as (
            partition by topic_id, grain order by period_start
            rows between {{ n_base }} preceding and 1 preceding
        )
),

scored as (
    select
        *,
        -- previous count rescaled to this period's volume (partial weeks, quiet days)
        case when n_papers_total > 0 and prev_n_papers_total > 0 then
            (n_papers + {{ k }}) / (prev_n_papers * n_papers_total / prev_n_papers_total + {{ k }}) - 1
        end as growth,
        case when baseline_periods >= {{ n_min }} and baseline_periods = baseline_rows then baseline_mean end as baseline_share,
        case when baseline_periods >= {{ n_min }} and baseline_periods = baseline_rows then
            (share - baseline_mean) / greatest(
                coalesce(baseline_sd, 0),
                sqrt(baseline_mean * (1 - baseline_mean) / n_papers_total),
                {{ var('trend_sd_floor') }}
            )
        end as zscore,
        lag(rank) over by_topic - rank as rank_change
    from windowed
    window by_topic as (partition by topic_id, grain order by period_start)
),

flagged as (
    select
        *,
        lag(zscore) over (partition by topic_id, grain order by period_start) as prev_zscore,
        coalesce(
            n_papers >= {{ var('rising_min_papers') }}
            and share >= {{ var('rising_min_ratio') }} * baseline_share
            and share - baseline_share >= {{ var('rising_min_lift') }}
            and zscore >= {{ var('rising_min_z') }}
            and (zscore >= {{ var('rising_jump_z') }} or prev_zscore >= {{ var('rising_min_z') }}),
            false
        ) as is_rising
    from scored
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
    is_rising,
    case when is_rising then
        printf(
            '%s: share %.1f%% vs %.1f%% over the previous %d %ss (z = %.1f%s); %d papers, %d before',
            case when zscore >= {{ var('rising_jump_z') }} then 'jump' else 'sustained rise' end,
            100 * share, 100 * baseline_share, baseline_periods, grain, zscore,
            case when zscore >= {{ var('rising_jump_z') }} then '' else printf(', %.1f the %s before', prev_zscore, grain) end,
            n_papers, prev_n_papers
        )
    end as rising_reason
from flagged
