{#- Candidate terms (1-3-word n-grams, plurals not yet folded) of every
    distinct title key; rules in _intermediate.yml. Incremental like
    int_text_topics: a title key is split once per terms_version (hash of the
    rule's SQL and of the stop-word seed); editing the seed or the rule
    re-extracts every key. -#}
{%- set rule -%}
    tokens as (
        select title_key, {{ term_words('title_key') }} as words
        from keys
    ),

    positions as (
        select title_key, words, unnest(range(1, len(words) + 1)) as i
        from tokens
    ),

    grams as (
        select p.title_key, p.words[p.i:p.i + n.n - 1] as gram
        from positions as p
        cross join (values (1), (2), (3)) as n(n)
        where p.i + n.n - 1 <= len(p.words)
    ),

    terms as (
        select title_key, array_to_string(gram, ' ') as term
        from grams
        where {{ term_edge_ok('gram[1]') }}
          and {{ term_edge_ok('gram[-1]') }}
          and gram[1] not in (select word from stopwords)
          and gram[-1] not in (select word from stopwords)
    )
{%- endset -%}
{%- set stop_hash = '' -%}
{%- if execute -%}
    {%- set stop_hash = run_query("select md5(coalesce(string_agg(word, ' ' order by word), '')) from " ~ ref('term_stopwords')).rows[0][0] -%}
{%- endif -%}
{%- set terms_version = local_md5(rule ~ stop_hash) -%}
{%- set rebuild_all = false -%}
{%- if execute and is_incremental() -%}
    {%- set stale = run_query("select count(*) from " ~ this ~ " where terms_version <> '" ~ terms_version ~ "'") -%}
    {%- set rebuild_all = stale.rows[0][0] > 0 -%}
{%- endif -%}
{{ config(materialized='incremental', unique_key='title_key', on_schema_change='fail') }}

with keys as (
    select distinct title_key
    from {{ ref('int_title_keys') }}
    {% if is_incremental() and not rebuild_all %}
    where title_key not in (select title_key from {{ this }})
    {% endif %}
),

stopwords as (
    select lower(word) as word from {{ ref('term_stopwords') }}
),

{{ rule }}

select
    keys.title_key,
    coalesce(
        list_sort(list_distinct(list(terms.term))),
        []::varchar[]
    ) as terms,
    '{{ terms_version }}' as terms_version
from keys
left join terms on terms.title_key = keys.title_key
group by keys.title_key
