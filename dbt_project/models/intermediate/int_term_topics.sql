-- depends_on: {{ ref('int_topic_rules') }}
{#- Whether any topic rule matches a term's text (term_trends.covered_by_topic), all topic
    patterns at once in one constant regex (DuckDB compiles it once). Incremental: a term is
    matched once per version of the rules; a changed seed (new rules_version) re-matches every
    term held. A +1 refresh so matches only the terms that are new in term_counts. -#}
{%- set topic_pattern = none -%}
{%- if execute -%}
    {%- set topic_pattern = run_query(
        "select " ~ topic_alternation('pattern', 'topic_id') ~ " from " ~ ref('int_topic_rules')
    ).rows[0][0] -%}
{%- endif -%}
{%- set rules_version = local_md5(topic_pattern | tojson) -%}
{%- set rematch_all = version_changed('rules_version', rules_version) -%}
{{ config(materialized='incremental', unique_key='term', on_schema_change='fail') }}

with terms as (
    select distinct term from {{ ref('term_counts') }}
    {% if is_incremental() %}
    {% if rematch_all %}
    union
    select term from {{ this }}
    {% else %}
    where term not in (select term from {{ this }})
    {% endif %}
    {% endif %}
)

select
    term,
    {% if topic_pattern %}
    regexp_matches(term, '{{ topic_pattern | replace("'", "''") }}', 'i')
    {% else %}
    false
    {% endif %} as covered_by_topic,
    '{{ rules_version }}' as rules_version
from terms
