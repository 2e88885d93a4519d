{#- The trend logic shared by topic_trends and term_trends (formulas and
    thresholds documented on topic_trends in models/marts/_marts.yml).

    Periods without data (no snapshot at all) are skipped, not counted: every
    period carries data_idx, the number of periods with data up to and
    including it, and the "previous period" and the baseline window are
    RANGE frames over data_idx. So an outage week neither enters a baseline
    nor shortens the ones after it. -#}

{#- Every period of each grain from the first to the last one with data, gaps
    included, with n_papers_total (0 for a gap) and data_idx (a gap shares the
    index of the period with data before it). `period_papers`: a relation or
    subquery with distinct (grain, period_start, paper_id). -#}
{% macro trend_periods(period_papers) %}
    select
        p.grain,
        p.period_start,
        coalesce(t.n_papers_total, 0) as n_papers_total,
        count(t.n_papers_total) over (
            partition by p.grain order by p.period_start rows between unbounded preceding and current row
        ) as data_idx
    from (
        select
            grain,
            unnest(generate_series(
                min(period_start),
                max(period_start),
                case grain when 'week' then interval 7 day else interval 1 month end
            ))::date as period_start
        from {{ period_papers }}
        group by grain
    ) as p
    left join (
        select grain, period_start, count(*) as n_papers_total
        from {{ period_papers }}
        group by grain, period_start
    ) as t on t.grain = p.grain and t.period_start = p.period_start
{% endmacro %}


{#- Scores of a dense grid. `grid` has the `series` columns (e.g. ['topic_id']),
    grain, period_start, n_papers, n_papers_total and data_idx (from
    trend_periods). Returns the grid's columns plus share, prev_n_papers,
    prev_n_papers_total, growth, baseline_share, baseline_periods, zscore,
    prev_zscore, rank, rank_change, is_flagged and flag_reason; a period
    without data gets nulls (and is_flagged false). `flag` holds the
    thresholds: min_papers, min_ratio, min_lift, jump_z, min_z. -#}
{% macro trend_scores(grid, series, flag) %}
{%- set k = var('trend_growth_k') -%}
{%- set by_series = 'partition by ' ~ (series | join(', ')) ~ ', grain order by data_idx' -%}
    with ranked as (
        select
            *,
            n_papers_total > 0 as has_data,
            n_papers / nullif(n_papers_total, 0) as share,
            -- equal counts, equal rank: 1 + the number of series with more papers
            case when n_papers_total > 0 then
                rank() over (partition by grain, period_start order by n_papers desc)
            end as rank
        from {{ grid }}
    ),

    windowed as (
        select
            *,
            max(n_papers) filter (where has_data) over prev_data as prev_n_papers_any,
            max(n_papers_total) filter (where has_data) over prev_data as prev_n_papers_total_any,
            max(rank) over prev_data as prev_rank,
            avg(share) over baseline as baseline_mean,
            stddev_samp(share) over baseline as baseline_sd,
            count(share) over baseline as baseline_periods_any
        from ranked
        window
            prev_data as ({{ by_series }} range between 1 preceding and 1 preceding),
            baseline as (
                {{ by_series }}
                range between {{ var('trend_baseline_periods') }} preceding and 1 preceding
            )
    ),

    scored as (
        select
            *,
            case when has_data then prev_n_papers_any end as prev_n_papers,
            case when has_data then prev_n_papers_total_any end as prev_n_papers_total,
            case when has_data then baseline_periods_any end as baseline_periods,
            -- previous count rescaled to this period's volume (partial weeks, quiet days)
            case when has_data and prev_n_papers_total_any > 0 then
                (n_papers + {{ k }})
                / (prev_n_papers_any * n_papers_total / prev_n_papers_total_any + {{ k }}) - 1
            end as growth,
            case when has_data and baseline_periods_any >= {{ var('trend_min_baseline_periods') }} then
                baseline_mean
            end as baseline_share,
            case when has_data and baseline_periods_any >= {{ var('trend_min_baseline_periods') }} then
                (share - baseline_mean) / greatest(
                    coalesce(baseline_sd, 0),
                    sqrt(baseline_mean * (1 - baseline_mean) / n_papers_total),
                    {{ var('trend_sd_floor') }}
                )
            end as zscore,
            prev_rank - rank as rank_change
        from windowed
    ),

    with_prev_z as (
        select *, max(zscore) over prev_data as prev_zscore
        from scored
        window prev_data as ({{ by_series }} range between 1 preceding and 1 preceding)
    ),

    flagged as (
        select
            *,
            coalesce(
                n_papers >= {{ flag.min_papers }}
                and share >= {{ flag.min_ratio }} * baseline_share
                and share - baseline_share >= {{ flag.min_lift }}
                and zscore >= {{ flag.min_z }}
                and (zscore >= {{ flag.jump_z }} or prev_zscore >= {{ flag.min_z }}),
                false
            ) as is_flagged
        from with_prev_z
    )

    select
        * exclude (has_data, prev_n_papers_any, prev_n_papers_total_any, prev_rank, baseline_mean,
                   baseline_sd, baseline_periods_any),
        case when is_flagged then
            printf(
                '%s: share %.1f%% vs %.1f%% over the previous %d %ss (z = %.1f%s); %d papers, %d before',
                case when zscore >= {{ flag.jump_z }} then 'jump' else 'sustained rise' end,
                100 * share, 100 * baseline_share, baseline_periods, grain, zscore,
                case when zscore >= {{ flag.jump_z }} then '' else printf(', %.1f the %s before', prev_zscore, grain) end,
                n_papers, prev_n_papers
            )
        end as flag_reason
    from flagged
{% endmacro %}
