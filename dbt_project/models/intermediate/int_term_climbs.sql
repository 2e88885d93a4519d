{#- The sustained-climb rule of term_trends (documented there): per term and
    week where it has papers, the least-squares fit of the term's weekly share
    over the last climb_weeks weeks with data (0 papers where it has none). A
    model of its own so that DuckDB plans it apart from the count tests.

    Sparse: a week without papers adds 0 to every sum of the fit, so the sums
    over the term's share (Σy, Σy², Σxy) come from its weeks with papers alone
    and those over the weeks (k, Σx, Σx², the mean volume) from the periods,
    once for all terms. No dense (term x week) grid is built, and only the rows
    term_trends reads (its grid holds the weeks where a term has papers) are kept. -#}
{%- set n = var('climb_weeks') %}

with periods as (
    {{ trend_periods(ref('int_period_papers')) }}
),

weeks as materialized (
    -- the weeks with data; x = data_idx, summed over the window of climb_weeks weeks ending there
    select
        period_start,
        data_idx,
        n_papers_total,
        count(*) over w as k,
        sum(data_idx) over w as sum_x,
        sum(data_idx * data_idx) over w as sum_xx,
        avg(n_papers_total) over w as mean_total
    from periods
    where grain = 'week' and n_papers_total > 0
    window w as (order by data_idx range between {{ n - 1 }} preceding and current row)
),

climb_terms as (
    -- terms with a few papers in some week, no single common English word
    select distinct term from {{ ref('term_counts') }}
    where grain = 'week' and n_papers >= {{ var('climb_recent_min') }}
        and term not in (select word from {{ ref('int_word_english') }} where zipf >= {{ var('term_common_zipf') }})
),

series as (
    -- the weeks where a candidate term has papers
    select c.term, w.period_start, w.data_idx, c.n_papers, c.n_papers / w.n_papers_total as share
    from {{ ref('term_counts') }} as c
    inner join climb_terms as t on t.term = c.term
    inner join weeks as w on w.period_start = c.period_start
    where c.grain = 'week'
),

sums as (
    select
        term, period_start, data_idx,
        sum(share) over w as sum_y,
        sum(share * share) over w as sum_yy,
        sum(data_idx * share) over w as sum_xy,
        min(period_start) over w as first_seen,
        count(*) over recent as recent_weeks,
        sum(n_papers) over recent as recent_papers
    from series
    window
        w as (partition by term order by data_idx range between {{ n - 1 }} preceding and current row),
        recent as (partition by term order by data_idx range between {{ var('climb_recent_weeks') - 1 }} preceding and current row)
),

climb_fit as (
    -- centred sums of the fit over the k = climb_weeks weeks of the window
    select
        s.term, s.period_start, s.data_idx, s.first_seen, s.recent_weeks, s.recent_papers, w.k, w.mean_total,
        s.sum_y / w.k as mean_share,
        w.sum_x / w.k as mean_x,
        w.sum_xx - w.sum_x * w.sum_x / w.k as sxx,
        s.sum_yy - s.sum_y * s.sum_y / w.k as syy,
        s.sum_xy - w.sum_x * s.sum_y / w.k as sxy
    from sums as s
    inner join weeks as w on w.data_idx = s.data_idx
    where w.k = {{ n }}
),

climb as (
    select
        term, period_start, first_seen,
        greatest(intercept + slope * (data_idx - k + 1), 0) as share_from,
        intercept + slope * data_idx as share_to,
        slope / greatest(
            sqrt(greatest(syy - sxy * sxy / sxx, 0) / (k - 2) / sxx),
            sqrt(mean_share * (1 - mean_share) / mean_total / sxx),
            1e-9
        ) as climb_z,
        recent_weeks,
        recent_papers
    from (select *, sxy / sxx as slope, mean_share - sxy / sxx * mean_x as intercept from climb_fit)
)

select
    'week' as grain,
    c.*,
    (c.climb_z >= {{ var('climb_min_z') }}
     and c.share_to >= {{ var('climb_min_ratio') }} * greatest(c.share_from, 0.001)
     and c.recent_weeks >= {{ var('climb_recent_min') }}
     and c.recent_papers >= {{ var('climb_min_recent_papers') }}) as is_climb
from climb as c
