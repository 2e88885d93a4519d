{#- The trend logic shared by topic_trends and term_trends (formulas and
    thresholds documented on topic_trends in models/marts/_marts.yml).

    Periods without data (no snapshot at all) are skipped, not counted: every
    period carries data_idx, the number of periods with data up to and
    including it; scores are computed on the periods with data only, the
    "previous period" is the row whose data_idx is one less, and the baseline
    window is a RANGE frame over data_idx. So an outage week neither enters a
    baseline nor shortens the ones after it; its rows get nulls.

    The scores are sparse-safe: a grid may leave out the rows where a series
    has no papers (term_trends does; topic_trends keeps a dense grid) without
    changing the scores of the rows it keeps. The baseline is computed from
    window sums (a missing row adds 0) over a known number of periods,
    min(N, data_idx - 1), and a missing previous row means 0 papers. -#}

{#- Every period of each grain from the first to the last one with data, gaps
    included, with n_papers_total (0 for a gap), data_idx (a gap shares the
    index of the period with data before it) and prev_n_papers_total (of the
    previous period with data). `period_papers`: a relation or subquery with
    distinct (grain, period_start, paper_id). -#}
{% macro trend_periods(period_papers) %}
    select
        *,
        max(n_papers_total) filter (where n_papers_total > 0) over (
            partition by grain order by data_idx range between 1 preceding and 1 preceding
        ) as prev_n_papers_total
    from (
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
    )
{% endmacro %}


{#- Scores of a grid. `grid` has the `series` columns (e.g. ['topic_id']),
    grain, period_start, n_papers, and the trend_periods columns
    n_papers_total, prev_n_papers_total and data_idx; rows with n_papers = 0
    may be left out. Returns the grid's columns plus share, prev_n_papers,
    growth, baseline_share, baseline_periods, zscore, prev_zscore, rank,
    rank_change, is_flagged and flag_reason; a period without data gets
    nulls (and is_flagged false). `flag` holds the thresholds: min_papers,
    min_ratio, min_lift, jump_z, min_z. -#}
{% macro trend_scores(grid, series, flag) %}
{%- set k = var('trend_growth_k') -%}
{%- set min_base = var('trend_min_baseline_periods') -%}
{%- set by_series = 'partition by ' ~ (series | join(', ')) ~ ', grain order by data_idx' -%}
    with ranked as (
        -- periods with data only (one row per series and data_idx); the
        -- periods without data are added back at the end, with nulls
        select
            *,
            n_papers / n_papers_total as share,
            -- equal counts, equal rank: 1 + the number of series with more papers
            rank() over (partition by grain, period_start order by n_papers desc) as rank,
            least({{ var('trend_baseline_periods') }}, data_idx - 1) as baseline_n
        from {{ grid }}
        where n_papers_total > 0
    ),

    with_papers as (
        -- per period: series with papers (a left-out series ranks after them)
        select grain, data_idx, count(*) filter (where n_papers > 0) as n_series_with_papers
        from ranked
        group by grain, data_idx
    ),

    with_prev_count as (
        select r.*, w.n_series_with_papers as prev_n_series_with_papers
        from ranked as r
        left join with_papers as w on w.grain = r.grain and w.data_idx = r.data_idx - 1
    ),

    windowed as (
        select
            *,
            -- the row before is the previous period with data only if its data_idx says so
            lag(data_idx) over by_series = data_idx - 1 as prev_row_is_prev,
            lag(n_papers) over by_series as prev_row_n_papers,
            lag(rank) over by_series as prev_row_rank,
            coalesce(sum(share) over baseline, 0) as s1,
            coalesce(sum(share * share) over baseline, 0) as s2
        from with_prev_count
        window
            by_series as ({{ by_series }}),
            baseline as (
                {{ by_series }}
                range between {{ var('trend_baseline_periods') }} preceding and 1 preceding
            )
    ),

    stats as (
        select
            *,
            case when data_idx > 1 then
                case when prev_row_is_prev then prev_row_n_papers else 0 end
            end as prev_n_papers,
            baseline_n as baseline_periods,
            case when baseline_n >= greatest({{ min_base }}, 2) then s1 / baseline_n end as baseline_share,
            case when baseline_n >= greatest({{ min_base }}, 2) then
                sqrt(greatest((s2 - s1 * s1 / baseline_n) / (baseline_n - 1), 0))
            end as baseline_sd
        from windowed
    ),

    scored as (
        select
            *,
            -- previous count rescaled to this period's volume (partial weeks, quiet days)
            (n_papers + {{ k }}) / (prev_n_papers * n_papers_total / prev_n_papers_total + {{ k }}) - 1 as growth,
            (share - baseline_share) / greatest(
                baseline_sd,
                sqrt(baseline_share * (1 - baseline_share) / n_papers_total),
                {{ var('trend_sd_floor') }}
            ) as zscore,
            case when data_idx > 1 then
                case when prev_row_is_prev then prev_row_rank else 1 + prev_n_series_with_papers end - rank
            end as rank_change
        from stats
    ),

    with_prev_z as (
        -- a left-out previous row had 0 papers, so a z <= 0: never a sustained rise
        select
            *,
            case when lag(data_idx) over by_series = data_idx - 1 then lag(zscore) over by_series end as prev_zscore
        from scored
        window by_series as ({{ by_series }})
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
        * exclude (baseline_n, prev_row_is_prev, prev_row_n_papers, prev_row_rank, s1, s2,
                   prev_n_series_with_papers, baseline_sd),
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

    union all by name

    select
        *,
        null::double as share,
        null::bigint as rank,
        null::bigint as prev_n_papers,
        null::bigint as baseline_periods,
        null::double as baseline_share,
        null::double as growth,
        null::double as zscore,
        null::bigint as rank_change,
        null::double as prev_zscore,
        false as is_flagged,
        null::varchar as flag_reason
    from {{ grid }}
    where n_papers_total = 0
{% endmacro %}
