{#- Trends of the terms of term_counts (weeks and months): share, growth,
    zscore and rank from the trend_scores macro shared with topic_trends; the
    emerging flag from count-aware tests (rules and knobs in _marts.yml and
    dbt_project.yml):
    - jump: the period's count against its expected count from the previous
      periods (Poisson upper tail), Benjamini-Hochberg across the terms tested
      in the period;
    - climb: the slope of the weekly share over the last climb_weeks weeks
      (int_term_climbs);
    - a single common English word (int_word_english) is never tested;
    - a flagged term and a flagged longer term containing it are never both
      kept: the longer ones absorb it when they hold absorb_share of its
      papers, else it absorbs them.
    covered_by_topic comes from int_term_topics (each term matched once per version of the rules). -#}
{%- set by_term = 'partition by term, grain order by data_idx' %}

with periods as (
    {{ trend_periods(ref('int_period_papers')) }}
),

period_baseline as (
    -- papers of the previous periods with data that make a period's baseline
    select
        *,
        case grain when 'week' then {{ var('term_baseline_weeks') }} else {{ var('term_baseline_months') }} end as base_max,
        case grain when 'week' then {{ var('term_min_baseline_weeks') }} else {{ var('term_min_baseline_months') }} end as base_min
    from periods
),

period_stats as (
    select
        p.*,
        least(p.base_max, p.data_idx - 1) as base_periods,
        (select sum(b.n_papers_total) from period_baseline as b
         where b.grain = p.grain and b.n_papers_total > 0
           and b.data_idx between p.data_idx - p.base_max and p.data_idx - 1) as base_total
    from period_baseline as p
),

grid as (
    -- sparse: only the periods where the term has papers
    select c.term, p.grain, p.period_start, c.n_papers, p.n_papers_total, p.prev_n_papers_total, p.data_idx
    from {{ ref('term_counts') }} as c
    inner join periods as p on p.grain = c.grain and p.period_start = c.period_start
),

scored as (
    {{ trend_scores('grid', ['term'], {
        'min_papers': var('emerging_min_papers'),
        'min_ratio': var('emerging_min_ratio'),
        'min_lift': 0,
        'jump_z': var('rising_jump_z'),
        'min_z': var('rising_min_z'),
    }) }}
),

common as (
    select word as term from {{ ref('int_word_english') }} where zipf >= {{ var('term_common_zipf') }}
),

expected as (
    select
        s.* exclude (is_flagged, flag_reason),
        ps.base_periods,
        s.n_papers_total * (
            coalesce(sum(s.n_papers) over (
                partition by s.term, s.grain order by s.data_idx
                range between ps.base_max preceding and 1 preceding
            ), 0) + {{ var('emerging_prior_papers') }}
        ) / ps.base_total as n_expected,
        s.term in (select term from common) as is_common_word,
        s.n_papers_total > 0 and ps.base_periods >= ps.base_min as has_baseline
    from scored as s
    inner join period_stats as ps on ps.grain = s.grain and ps.period_start = s.period_start
),

tested as (
    -- every eligible term of a period with a baseline is a test (m of Benjamini-Hochberg);
    -- only those with enough papers, above their expected count, can be flagged, so only
    -- their p-values are computed (the others' p-values are large and come last in the ranking)
    select
        *,
        {{ poisson_upper_tail('n_papers', 'n_expected') }} as p_value
    from expected
    where has_baseline and not is_common_word and n_papers >= {{ var('emerging_min_papers') }}
        and n_papers > n_expected
),

bh as (
    -- Benjamini-Hochberg: q of the i-th smallest of m p-values = min over j >= i of p_j * m / j
    select
        term, grain, period_start, p_value, n_tested,
        least(1.0, min(p_value * n_tested / i) over (
            partition by grain, period_start order by i desc rows between unbounded preceding and current row
        )) as q_value
    from (
        select
            t.term, t.grain, t.period_start, t.p_value, m.n_tested,
            row_number() over (partition by t.grain, t.period_start order by t.p_value, t.term) as i
        from tested as t
        inner join (
            select grain, period_start, count(*) as n_tested
            from expected
            where has_baseline and not is_common_word
            group by grain, period_start
        ) as m on m.grain = t.grain and m.period_start = t.period_start
    )
),

candidates as (
    select
        e.*,
        b.p_value,
        b.q_value,
        b.n_tested,
        c.climb_z,
        coalesce(b.q_value <= {{ var('emerging_fdr') }}
                 and e.n_papers >= {{ var('emerging_min_ratio') }} * e.n_expected
                 -- months have too few periods for a zscore (null) in a short history
                 and (e.zscore is null or e.zscore >= {{ var('rising_jump_z') }}), false) as is_jump,
        coalesce(c.is_climb, false) as is_climb,
        c.first_seen as climb_since,
        c.share_from as climb_share_from,
        c.share_to as climb_share_to
    from expected as e
    left join bh as b on b.term = e.term and b.grain = e.grain and b.period_start = e.period_start
    left join {{ ref('int_term_climbs') }} as c on c.grain = e.grain and c.term = e.term and c.period_start = e.period_start
),

flagged as (
    select term, grain, period_start, n_papers from candidates where is_jump or is_climb
),

part_pairs as (
    -- (a flagged term, a flagged longer term of the same period that contains it)
    select a.term as part, b.term as whole, a.grain, a.period_start, a.n_papers as part_n
    from flagged as a
    inner join flagged as b on b.grain = a.grain and b.period_start = a.period_start
        and {{ term_part_of('a.term', 'b.term') }}
),

whole_papers as materialized (
    -- the papers of the flagged longer terms only (a few hundred terms), before the period join
    select paper_id, term from {{ ref('int_paper_terms') }}
    where term in (select whole from part_pairs)
),

part_cover as (
    -- the papers of the part that carry one of its flagged longer terms
    select pp.part, pp.grain, pp.period_start, any_value(pp.part_n) as part_n, count(distinct pt.paper_id) as n_covered
    from part_pairs as pp
    inner join whole_papers as pt on pt.term = pp.whole
    inner join {{ ref('int_period_papers') }} as per
        on per.paper_id = pt.paper_id and per.grain = pp.grain and per.period_start = pp.period_start
    group by pp.part, pp.grain, pp.period_start
),

absorbed as (
    -- the part when its longer terms explain its rise, else those longer terms
    select part as term, grain, period_start from part_cover
    where n_covered >= {{ var('absorb_share') }} * part_n
    union
    select pp.whole, pp.grain, pp.period_start
    from part_pairs as pp
    inner join part_cover as pc using (part, grain, period_start)
    where pc.n_covered < {{ var('absorb_share') }} * pc.part_n
)

select
    c.term,
    c.grain,
    c.period_start,
    c.n_papers,
    c.n_papers_total,
    c.share,
    c.n_expected,
    c.prev_n_papers,
    c.growth,
    c.baseline_share,
    c.zscore,
    c.rank,
    c.rank_change,
    c.p_value,
    c.q_value,
    c.n_tested,
    c.climb_z,
    c.is_common_word,
    (c.is_jump or c.is_climb) and a.term is null as is_emerging,
    case when a.term is not null then null
        when c.is_jump then printf(
            '%d papers in the %s of %s vs %.1f expected from the previous %d %ss (%s after testing %s terms)',
            c.n_papers, c.grain, strftime(c.period_start, '%Y-%m-%d'), c.n_expected, c.base_periods, c.grain,
            case when c.q_value < 0.001 then 'p<0.001' else printf('p=%.3f', c.q_value) end,
            format('{:,}', c.n_tested))
        when c.is_climb then printf(
            'climbing since %s: share %.1f%% → %.1f%% over the last %d weeks (slope %.1f standard errors above 0); %d papers in the week of %s',
            strftime(c.climb_since, '%Y-%m-%d'), 100 * c.climb_share_from, 100 * c.climb_share_to,
            {{ var('climb_weeks') }}, c.climb_z, c.n_papers, strftime(c.period_start, '%Y-%m-%d'))
    end as emerging_reason,
    case when a.term is not null then null when c.is_jump then 'jump' when c.is_climb then 'climb' end as emerging_rule,
    cv.covered_by_topic
from candidates as c
inner join {{ ref('int_term_topics') }} as cv on cv.term = c.term
left join absorbed as a on a.term = c.term and a.grain = c.grain and a.period_start = c.period_start
