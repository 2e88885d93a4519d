{#- Candidate terms (1-3-word runs, plurals not yet folded) and acronym
    definitions of every distinct mention text (title plus its abstract when
    it is a real one); rules in _intermediate.yml. Incremental: a text is
    split once per terms_version (hash of the rule's SQL, of the stop-word seed
    and of the abstract thresholds); editing any of them re-extracts every text. -#}
{%- set acronym_pattern = "((?:[A-Za-z][A-Za-z0-9-]*\\s+){1,6})\\(\\s*([A-Z][A-Za-z0-9-]*[A-Z0-9]s?)\\s*\\)" -%}
{%- set rule -%}
    tokens as (
        -- each word once: may it start or end a term?
        select
            t.text_hash,
            t.part,
            w.words,
            list_transform(
                w.words,
                lambda x: {{ term_edge_ok('x') }} and not list_contains(s.stop_list, x)
            ) as edge_ok,
            list_transform(w.words, lambda x: not list_contains({{ term_prefixes() }}, x)) as end_ok
        from texts as t
        cross join lateral (select {{ term_tokens('t.text') }} as words) as w
        cross join (select list(lower(word)) as stop_list from {{ ref('term_stopwords') }}) as s
    ),

    terms as not materialized (
        -- every run words[i:j] of 1-3 words whose first and last words may be edges and
        -- that spans no "|" (an edge never is one: too short), one list per text, row by row:
        -- a single lambda over i (the nested list_filter over every (i, j) cost twice the CPU
        -- of the whole model; unnesting the words and grouping them back ran out of a 1 GB
        -- memory_limit on 600 snapshots, where this streams). Not materialized: the title's
        -- and the abstract's rows are each computed where they are read, lists never held.
        select
            text_hash,
            part,
            list_distinct(flatten(list_transform(range(1, len(words) + 1), lambda i: [
                case when edge_ok[i] and end_ok[i] then words[i] end,
                case when edge_ok[i] and edge_ok[i + 1] and end_ok[i + 1] then words[i] || ' ' || words[i + 1] end,
                case when edge_ok[i] and edge_ok[i + 2] and end_ok[i + 2] and words[i + 1] <> '|'
                    then words[i] || ' ' || words[i + 1] || ' ' || words[i + 2] end
            ]))) as terms
        from tokens
    ),

    definitions as (
        -- "On-Policy Distillation (OPD)": up to 6 words before an acronym in
        -- parentheses; the shortest tail of them whose initials (of every
        -- hyphen part, with or without small words) spell the acronym
        select
            text_hash,
            lower(regexp_replace(d.acronym, 's$', '')) as acronym,
            list_filter(
                list_transform(range(1, len(d.words) + 1), lambda k: d.words[len(d.words) - k + 1:]),
                lambda tail: array_to_string(list_transform(
                        flatten(list_transform(tail, lambda w: string_split(w, '-'))),
                        lambda p: left(p, 1)), '') = lower(regexp_replace(d.acronym, 's$', ''))
                    or array_to_string(list_transform(
                        list_filter(
                            flatten(list_transform(tail, lambda w: string_split(w, '-'))),
                            lambda p: not list_contains({{ acronym_skippable() }}, p)
                        ),
                        lambda p: left(p, 1)), '') = lower(regexp_replace(d.acronym, 's$', ''))
            )[1] as tail
        from (
            select
                text_hash,
                m['acronym'] as acronym,
                list_filter(regexp_split_to_array(lower(trim(m['phrase'])), '\s+'), lambda w: w <> '') as words
            from (
                select text_hash, regexp_extract(
                    unnest(regexp_extract_all(text, '{{ acronym_pattern }}')),
                    '{{ acronym_pattern }}', ['phrase', 'acronym']
                ) as m
                from texts_joined
            )
        ) as d
        where length(regexp_replace(d.acronym, '[^A-Z]', '', 'g')) >= 2
    ),

    acronyms as (
        select
            text_hash,
            list_distinct(list({'acronym': acronym, 'expansion': array_to_string(tail, ' ')})) as acronyms
        from definitions
        where tail is not null and len(tail) >= 2
        group by text_hash
    ),

    capitals as (
        -- the words written in capitals (at least two capital letters), lower-cased,
        -- a plural "s" dropped: where an acronym may stand for its expansion
        select
            text_hash,
            list_distinct(list_transform(
                regexp_extract_all(text, '\b[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*\b'),
                lambda w: lower(regexp_replace(w, 's$', ''))
            )) as capitals
        from texts_joined
    )
{%- endset -%}
{%- set stop_hash = '' -%}
{%- if execute -%}
    {%- set stop_hash = run_query("select md5(coalesce(string_agg(word, ' ' order by word), '')) from " ~ ref('term_stopwords')).rows[0][0] -%}
{%- endif -%}
{%- set abstract_sql -%}
    case when {{ real_abstract('m.abstract', 'm.title') }} then m.abstract end
{%- endset -%}
{#- the hash leaves out the seed's relation name, which holds the database (file) name -#}
{%- set terms_version = local_md5((rule | replace(ref('term_stopwords') | string, 'term_stopwords')) ~ abstract_sql ~ stop_hash) -%}
{%- set rebuild_all = version_changed('terms_version', terms_version) -%}
{{ config(materialized='incremental', unique_key='text_hash', on_schema_change='fail') }}

with mentions as (
    -- one mention of each text (the same text_hash is the same title and abstract)
    select i.text_hash, any_value(m.title) as title, any_value({{ abstract_sql }}) as abstract
    from {{ ref('int_mentions') }} as i
    inner join {{ ref('stg_paper_mentions') }} as m on m.snapshot_id = i.snapshot_id and m.position = i.position
    {% if is_incremental() and not rebuild_all %}
    where i.text_hash not in (select text_hash from {{ this }})
    {% endif %}
    group by i.text_hash
),

texts as (
    -- the title and the abstract are split apart: int_paper_terms may leave the abstract out
    select text_hash, 'title' as part, title as text from mentions
    union all
    select text_hash, 'abstract' as part, abstract as text from mentions where abstract is not null
),

texts_joined as (
    select text_hash, title || ' . ' || coalesce(abstract, '') as text from mentions
),

{{ rule }}

select
    m.text_hash,
    tt.terms as title_terms,
    coalesce(ta.terms, []) as abstract_terms,
    -- how the abstract opens: a submitter's template ("Some of the observations founded are")
    -- opens many papers' abstracts; int_paper_terms leaves those out
    lower(regexp_replace(left(m.abstract, {{ var('term_template_chars') }}), '\s+', ' ', 'g')) as abstract_opening,
    coalesce(a.acronyms, []) as acronyms,
    c.capitals,
    '{{ terms_version }}' as terms_version
from mentions as m
inner join terms as tt on tt.text_hash = m.text_hash and tt.part = 'title'
left join terms as ta on ta.text_hash = m.text_hash and ta.part = 'abstract'
left join acronyms as a on a.text_hash = m.text_hash
inner join capitals as c on c.text_hash = m.text_hash
