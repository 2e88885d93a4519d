-- depends_on: {{ ref('int_topic_rules') }}
{#- Weekly trends of the terms of term_counts, scored by the trend_scores
    macro exactly like topic_trends; rules in _marts.yml. covered_by_topic
    tests every term against all topic patterns at once, written into the SQL
    as one constant so DuckDB compiles it once (as int_text_topics does). -#}
{%- set topic_pattern = none -%}
{%- if execute -%}
    {%- set topic_pattern = run_query(
        "select string_agg('(?:' || pattern || ')', '|' order by topic_id) from " ~ ref('int_topic_rules')
    ).rows[0][0] -%}
{%- endif -%}
{%- set week_papers = "(select * from " ~ ref('int_period_papers') ~ " where grain = 'week')" %}

with periods as (
    {{ trend_periods(week_papers) }}
),

counts as (
    select term, period_start, n_papers from {{ ref('term_counts') }}
),

grid as (
    -- sparse: only the weeks where the term has papers (trend_scores counts
    -- a left-out week as 0 papers, so a new term meets a baseline of zeros)
    select
        c.term,
        p.grain,
        p.period_start,
        c.n_papers,
        p.n_papers_total,
        p.prev_n_papers_total,
        p.data_idx
    from counts as c
    inner join periods as p on p.period_start = c.period_start
),

scored as (
    {{ trend_scores('grid', ['term'], {
        'min_papers': var('term_min_papers'),
        'min_ratio': var('emerging_min_ratio'),
        'min_lift': var('emerging_min_lift'),
        'jump_z': var('rising_jump_z'),
        'min_z': var('rising_min_z'),
    }) }}
),

covered as (
    select
        term,
        {% if topic_pattern %}
        regexp_matches(term, '{{ topic_pattern | replace("'", "''") }}', 'i')
        {% else %}
        false
        {% endif %} as covered_by_topic
    from (select distinct term from counts)
)

select
    s.term,
    s.grain,  -- SHIM until the engine of issue 18 (18a) lands
    s.period_start,
    s.n_papers,
    s.n_papers_total,
    s.share,
    s.prev_n_papers,
    s.growth,
    s.baseline_share,
    s.baseline_share * s.n_papers_total as n_expected,  -- SHIM (18a)
    s.zscore,
    s.rank,
    s.rank_change,
    s.is_flagged as is_emerging,
    s.flag_reason as emerging_reason,
    c.covered_by_topic
from scored as s
inner join covered as c on c.term = s.term
