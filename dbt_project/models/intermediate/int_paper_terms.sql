-- depends_on: {{ ref('stg_paper_mentions') }}
{#- Terms of every paper, plurals folded and acronyms joined to their
    expansion; rules in _intermediate.yml. A paper's terms are those of its
    most recent text (int_text_terms) plus the API's ai_keywords of its most
    recent mention that has some. The ai_keywords column is optional upstream:
    it is used only when stg_paper_mentions has it (checked at run time). -#}
{%- set has_keywords = false -%}
{%- if execute -%}
    {%- set columns = adapter.get_columns_in_relation(ref('stg_paper_mentions')) | map(attribute='name') | map('lower') | list -%}
    {%- set has_keywords = 'ai_keywords' in columns -%}
{%- endif %}

with latest_text as (
    select l.paper_id, t.*
    from (
        select paper_id, arg_max(text_hash, recency) as text_hash
        from {{ ref('int_paper_mentions') }}
        group by paper_id
    ) as l
    inner join {{ ref('int_text_terms') }} as t on t.text_hash = l.text_hash
),

templates as (
    -- an opening shared by the abstracts of term_template_papers papers or more is a
    -- submitter's template, not an abstract (decided over all papers at every run)
    select abstract_opening
    from latest_text
    where abstract_opening is not null
    group by abstract_opening
    having count(*) >= {{ var('term_template_papers') }}
),

latest as (
    select
        paper_id,
        case when abstract_opening in (select abstract_opening from templates) then title_terms
             else list_distinct(title_terms || abstract_terms) end as terms,
        acronyms,
        capitals
    from latest_text
),

stopwords as (
    select lower(word) as word from {{ ref('term_stopwords') }}
),

candidates as (
    select paper_id, unnest(terms) as term from latest
    union all
    -- a defined acronym's expansion is a term of the paper that defines it, whatever its length
    select paper_id, unnest(acronyms).expansion as term from latest
    {% if has_keywords %}
    union all
    select paper_id, term
    from (
        select
            paper_id,
            array_to_string(list_filter({{ term_tokens('keyword') }}, lambda w: w <> '|'), ' ') as term
        from (
            select m.paper_id, unnest(arg_max(s.ai_keywords, m.recency)) as keyword
            from {{ ref('int_paper_mentions') }} as m
            inner join {{ ref('stg_paper_mentions') }} as s
                on s.snapshot_id = m.snapshot_id and s.position = m.position
            where len(s.ai_keywords) > 0
            group by m.paper_id
        )
    )
    where {{ term_edge_ok('term') }} and term not in (select word from stopwords)
    {% endif %}
),

distinct_terms as (
    select distinct term from candidates
),

vocabulary as (
    select distinct unnest(string_split(term, ' ')) as word from distinct_terms
),

folds as (
    -- plural -> singular, for the words where the rule applies: "ies" -> "y" and "es" off
    -- when that word occurs ("policies" -> "policy", "approaches" -> "approach"), else "s" off
    select v.word, case when v.word like '%ies' and substr(v.word, 1, length(v.word) - 3) || 'y' in (select word from vocabulary)
                        then substr(v.word, 1, length(v.word) - 3) || 'y'
                        when v.word like '%es' and length(v.word) > 5
                             and substr(v.word, 1, length(v.word) - 2) in (select word from vocabulary)
                        then substr(v.word, 1, length(v.word) - 2)
                        else substr(v.word, 1, length(v.word) - 1) end as singular
    from vocabulary as v
    where v.word like '%s'
      and v.word not like '%ss'
      and (
          (length(v.word) > 3 and substr(v.word, 1, length(v.word) - 1) in (select word from vocabulary))
          or (length(v.word) > 4 and v.word not like '%us' and v.word not like '%is')
      )
),

folded as (
    -- only terms with a word ending in "s" can fold (most terms do not: they pass as they are)
    select term, term as folded_term from distinct_terms where not regexp_matches(term, 's( |$)')
    union all
    select d.term, string_agg(coalesce(f.singular, w.word), ' ' order by w.pos) as folded_term
    from (select term from distinct_terms where regexp_matches(term, 's( |$)')) as d
    cross join unnest(string_split(d.term, ' ')) with ordinality as w(word, pos)
    left join folds as f on f.word = w.word
    group by d.term
),

acronym_map as (
    -- each acronym stands for the expansion most papers define for it (ties: the first by name)
    select acronym, arg_min(expansion, (-n, expansion)) as expansion
    from (
        select d.acronym, f.folded_term as expansion, count(distinct d.paper_id) as n
        from (select paper_id, unnest(acronyms, recursive := true) from latest) as d
        inner join folded as f on f.term = d.expansion
        group by d.acronym, f.folded_term
    )
    group by acronym
),

paper_terms as (
    select distinct c.paper_id, f.folded_term as term
    from candidates as c
    inner join folded as f on f.term = c.term
)

-- an acronym the paper writes in capitals ("OPD", "LLMs") is its expansion
select distinct
    p.paper_id,
    case when list_contains(l.capitals, p.term) then coalesce(a.expansion, p.term) else p.term end as term
from paper_terms as p
inner join latest as l on l.paper_id = p.paper_id
left join acronym_map as a on a.acronym = p.term
