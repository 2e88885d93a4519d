-- depends_on: {{ ref('term_stopwords') }}
{#- Candidate terms (1-3-word runs, plurals not yet folded) and acronym
    definitions of every distinct mention text (title plus its abstract when
    it is a real one); rules in _intermediate.yml. Incremental: a text is
    split once per terms_version (hash of the rule's SQL, of the stop-word seed
    and of the abstract thresholds); editing any of them re-extracts every text. -#}
{#- the stop words are written into the rule (one regular expression per word, macro
    term_edge_ok), so the rule's hash below covers them -#}
{%- set stop_words = [] -%}
{%- if execute -%}
    {%- for row in run_query("select distinct lower(word) from " ~ ref('term_stopwords') ~ " order by 1").rows -%}
        {%- do stop_words.append(row[0]) -%}
    {%- endfor -%}
{%- endif -%}
{%- set rule -%}
    tokens as (
        -- each text's words, the title's and the abstract's apart (int_paper_terms may leave
        -- the abstract out): may each word start or end a term?
        select
            t.text_hash,
            t.abstract,
            t.capitals,
            t.acronyms,
            {%- for part in ['title', 'abstract'] %}
            t.{{ part }}_words,
            list_transform(t.{{ part }}_words, lambda x: {{ term_edge_ok('x', stop_words) }}) as {{ part }}_edge,
            list_transform(t.{{ part }}_words, lambda x: not regexp_full_match(x, '{{ term_prefixes() }}')) as {{ part }}_end
            {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from (
            select
                text_hash,
                abstract,
                {{ term_tokens('title') }} as title_words,
                coalesce({{ term_tokens('abstract') }}, []) as abstract_words,
                -- the words written in capitals (at least two capital letters), lower-cased,
                -- a plural "s" dropped: where an acronym may stand for its expansion
                list_distinct(list_transform(
                    regexp_extract_all(title || ' . ' || coalesce(abstract, ''), '\b[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*\b'),
                    lambda w: lower(regexp_replace(w, 's$', ''))
                )) as capitals,
                {{ acronym_definitions("title || ' . ' || coalesce(abstract, '')") }} as acronyms
            from mentions
        ) as t
    ),

    terms as (
        -- every run words[i:j] of 1-3 words whose first and last words may be edges and
        -- that spans no "|" (an edge never is one: too short), one list per text and part,
        -- row by row: the positions where each length starts are filtered first, so only
        -- the terms are built (3 CASEs per position, nulls and all, then list_distinct, cost
        -- 20 % more), and no join or grouping of the lists (they ran out of a 1 GB
        -- memory_limit on 2,000 snapshots)
        select
            text_hash,
            abstract,
            capitals,
            acronyms,
            {%- for part in ['title', 'abstract'] %}
            {%- set w, e, n = part ~ '_words', part ~ '_edge', part ~ '_end' %}
            list_distinct(
                list_select({{ w }}, list_filter(range(1, len({{ w }}) + 1), lambda i: {{ e }}[i] and {{ n }}[i]))
                || list_transform(
                    list_filter(range(1, len({{ w }})), lambda i: {{ e }}[i] and {{ e }}[i + 1] and {{ n }}[i + 1]),
                    lambda i: {{ w }}[i] || ' ' || {{ w }}[i + 1])
                || list_transform(
                    list_filter(range(1, len({{ w }}) - 1),
                        lambda i: {{ e }}[i] and {{ e }}[i + 2] and {{ n }}[i + 2] and {{ w }}[i + 1] <> '|'),
                    lambda i: {{ w }}[i] || ' ' || {{ w }}[i + 1] || ' ' || {{ w }}[i + 2])
            ) as {{ part }}_terms
            {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from tokens
    )
{%- endset -%}

{%- set abstract_sql -%}
    case when {{ real_abstract('m.abstract', 'm.title') }} then m.abstract end
{%- endset -%}
{%- set terms_version = local_md5(rule ~ abstract_sql) -%}
{%- set rebuild_all = version_changed('terms_version', terms_version) -%}
{{ config(materialized='incremental', unique_key='text_hash', on_schema_change='fail') }}

with mentions as (
    -- one mention of each text (the same text_hash is the same title and abstract), read once:
    -- terms, capitals and acronym definitions are all made row by row (never held whole)
    select i.text_hash, any_value(m.title) as title, any_value({{ abstract_sql }}) as abstract
    from {{ ref('int_mentions') }} as i
    inner join {{ ref('stg_paper_mentions') }} as m on m.snapshot_id = i.snapshot_id and m.position = i.position
    {% if is_incremental() and not rebuild_all %}
    where i.text_hash not in (select text_hash from {{ this }})
    {% endif %}
    group by i.text_hash
),

{{ rule }}

select
    t.text_hash,
    t.title_terms,
    t.abstract_terms,
    -- how the abstract opens: a submitter's template ("Some of the observations founded are")
    -- opens many papers' abstracts; int_paper_terms leaves those out
    lower(regexp_replace(left(t.abstract, {{ var('term_template_chars') }}), '\s+', ' ', 'g')) as abstract_opening,
    t.acronyms,
    t.capitals,
    '{{ terms_version }}' as terms_version
from terms as t
