{#- The sustained-climb rule of term_trends (documented there): per term and
    week with data, the least-squares fit of the term's weekly share over the
    last climb_weeks weeks with data (0 papers where it has none). A model of
    its own so that DuckDB plans it apart from the count tests. -#}

with periods as (
    {{ trend_periods(ref('int_period_papers')) }}
),

climb_terms as (
    -- terms with a few papers in some week, no single common English word
    select distinct term from {{ ref('term_counts') }}
    where grain = 'week' and n_papers >= {{ var('climb_recent_min') }}
        and term not in (select word from {{ ref('int_word_english') }} where zipf >= {{ var('term_common_zipf') }})
),

climb_grid as (
    -- dense weekly series (0 papers where the term has none) of the candidate terms
    select
        t.term, p.period_start, p.data_idx,
        coalesce(c.n_papers, 0) as n_papers,
        coalesce(c.n_papers, 0) / p.n_papers_total as share,
        p.n_papers_total
    from climb_terms as t
    cross join (select * from periods where grain = 'week' and n_papers_total > 0) as p
    left join {{ ref('term_counts') }} as c
        on c.term = t.term and c.grain = 'week' and c.period_start = p.period_start
),

climb_fit as (
    select
        term, period_start, data_idx,
        regr_count(share, data_idx) over w as k,
        regr_slope(share, data_idx) over w as slope,
        regr_intercept(share, data_idx) over w as intercept,
        regr_sxx(share, data_idx) over w as sxx,
        regr_syy(share, data_idx) over w as syy,
        regr_sxy(share, data_idx) over w as sxy,
        avg(share) over w as mean_share,
        avg(n_papers_total) over w as mean_total,
        min(period_start) filter (where n_papers > 0) over w as first_seen,
        count(*) filter (where n_papers > 0) over recent as recent_weeks,
        sum(n_papers) over recent as recent_papers
    from climb_grid
    window
        w as (partition by term order by data_idx range between {{ var('climb_weeks') - 1 }} preceding and current row),
        recent as (partition by term order by data_idx range between {{ var('climb_recent_weeks') - 1 }} preceding and current row)
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
    from climb_fit
    where k = {{ var('climb_weeks') }}
)

select
    'week' as grain,
    c.*,
    (c.climb_z >= {{ var('climb_min_z') }}
     and c.share_to >= {{ var('climb_min_ratio') }} * greatest(c.share_from, 0.001)
     and c.recent_weeks >= {{ var('climb_recent_min') }}
     and c.recent_papers >= {{ var('climb_min_recent_papers') }}) as is_climb
from climb as c
