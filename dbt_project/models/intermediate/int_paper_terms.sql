-- depends_on: {{ ref('stg_paper_mentions') }}
{#- Terms of every paper, plurals folded; rules in _intermediate.yml.
    A paper's terms are those of its most recent title plus the API's
    ai_keywords of its most recent mention that has some. The ai_keywords
    column is optional upstream: it is used only when stg_paper_mentions has
    it (checked at run time), so the model works before and after it exists. -#}
{%- set has_keywords = false -%}
{%- if execute -%}
    {%- set columns = adapter.get_columns_in_relation(ref('stg_paper_mentions')) | map(attribute='name') | map('lower') | list -%}
    {%- set has_keywords = 'ai_keywords' in columns -%}
{%- endif %}

with latest as (
    select paper_id, arg_max(title_key, recency) as title_key
    from {{ ref('int_paper_mentions') }}
    group by paper_id
),

stopwords as (
    select lower(word) as word from {{ ref('term_stopwords') }}
),

candidates as (
    select l.paper_id, unnest(t.terms) as term
    from latest as l
    inner join {{ ref('int_title_terms') }} as t on t.title_key = l.title_key
    {% if has_keywords %}
    union all
    select paper_id, term
    from (
        select
            paper_id,
            array_to_string(
                {{ term_words("trim(regexp_replace(lower(nfc_normalize(keyword)), '[^\\pL\\pN]+', ' ', 'g'))") }},
                ' '
            ) as term
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
    -- plural -> singular, for the words where the rule applies
    select v.word, substr(v.word, 1, length(v.word) - 1) as singular
    from vocabulary as v
    where v.word like '%s'
      and v.word not like '%ss'
      and (
          (length(v.word) > 3 and substr(v.word, 1, length(v.word) - 1) in (select word from vocabulary))
          or (length(v.word) > 4 and v.word not like '%us' and v.word not like '%is')
      )
),

folded as (
    select d.term, string_agg(coalesce(f.singular, w.word), ' ' order by w.pos) as folded_term
    from distinct_terms as d
    cross join unnest(string_split(d.term, ' ')) with ordinality as w(word, pos)
    left join folds as f on f.word = w.word
    group by d.term
)

select distinct c.paper_id, f.folded_term as term
from candidates as c
inner join folded as f on f.term = c.term
