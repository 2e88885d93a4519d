{#- Candidate terms (1-3-word n-grams, plurals not yet folded) of every
    distinct title key; rules in _intermediate.yml. Incremental like
    int_text_topics: a title key is split once per terms_version (hash of the
    rule's SQL and of the stop-word seed); editing the seed or the rule
    re-extracts every key. -#}
{%- set rule -%}
    tokens as (
        -- each word once: may it start or end a term?
        select
            k.title_key,
            w.words,
            list_transform(
                w.words,
                lambda x: {{ term_edge_ok('x') }} and not list_contains(s.stop_list, x)
            ) as edge_ok,
            -- a bound prefix split off by a hyphen ("multi-agent" -> "multi agent") may start a
            -- term but never end one or stand alone: "multi" is a fragment, "multi agent" a term
            list_transform(w.words, lambda x: not list_contains({{ term_prefixes() }}, x)) as end_ok
        from keys as k
        cross join lateral (select {{ term_words('k.title_key') }} as words) as w
        cross join (select list(lower(word)) as stop_list from {{ ref('term_stopwords') }}) as s
    ),

    terms as (
        -- every run words[i:j] of 1-3 words whose first and last words may be edges,
        -- built as list expressions per title (no row per n-gram)
        select
            title_key,
            list_distinct(flatten(list_transform(
                range(1, len(words) + 1),
                lambda i: list_transform(
                    list_filter(range(i, least(i + 2, len(words)) + 1), lambda j: edge_ok[i] and edge_ok[j] and end_ok[j]),
                    lambda j: array_to_string(words[i:j], ' ')
                )
            ))) as terms
        from tokens
    )
{%- endset -%}
{%- set stop_hash = '' -%}
{%- if execute -%}
    {%- set stop_hash = run_query("select md5(coalesce(string_agg(word, ' ' order by word), '')) from " ~ ref('term_stopwords')).rows[0][0] -%}
{%- endif -%}
{#- the hash leaves out the seed's relation name, which holds the database (file) name -#}
{%- set terms_version = local_md5((rule | replace(ref('term_stopwords') | string, 'term_stopwords')) ~ stop_hash) -%}
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

{{ rule }}

select
    title_key,
    terms,
    '{{ terms_version }}' as terms_version
from terms
