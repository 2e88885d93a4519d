{#- The evidence behind each flag: for every emerging (term, grain, period)
    of term_trends, every paper mentioned in that period that carries the
    term (int_period_papers x int_paper_terms, the same definition the counts
    use), with recency_rank = 1 for the newest. Rules in _marts.yml. -#}

with flagged as (
    select term, grain, period_start
    from {{ ref('term_trends') }}
    where is_emerging
)

select
    f.term,
    f.grain,
    f.period_start,
    pp.paper_id,
    p.title,
    p.arxiv_id,
    p.first_seen_date,
    -- newest first: the report's and the view's example order (ties: most upvoted, then paper_id)
    row_number() over (
        partition by f.term, f.grain, f.period_start
        order by p.first_seen_date desc, p.max_upvotes desc nulls last, pp.paper_id
    ) as recency_rank
from flagged as f
inner join {{ ref('int_period_papers') }} as pp
    on pp.grain = f.grain and pp.period_start = f.period_start
inner join {{ ref('int_paper_terms') }} as pt
    on pt.paper_id = pp.paper_id and pt.term = f.term
inner join {{ ref('papers') }} as p on p.paper_id = pp.paper_id
