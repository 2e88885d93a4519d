{#- One row per distinct raw title with its dedup key (rule in
    _intermediate.yml). Incremental: a title is normalized once, ever.
    rule_version is a hash of the normalization SQL: if the rule changed since
    the table was built, every paper_id may change, so the run stops and asks
    for a full refresh instead of mixing keys of two rules. -#}
{%- set rule_sql = normalized_title_key('title') -%}
{%- set rule_version = local_md5(rule_sql) -%}
{{ config(materialized='incremental', unique_key='title', on_schema_change='fail') }}
{%- if version_changed('rule_version', rule_version) -%}
        {{ exceptions.raise_compiler_error(
            "The title normalization rule changed (macros/title_normalization.sql) since "
            ~ this ~ " was built: rebuild once so every title key and paper_id is recomputed (full-refresh): launch"
            ~ " daily_refresh from the Dagster launchpad with run config `ops: {dbt_models: {config: {full_refresh: true}}}`,"
            ~ " or run `python -m pipeline.cli run --full-refresh`.") }}
{%- endif %}

with titles as (
    select distinct title
    from {{ ref('stg_paper_mentions') }}
    {% if is_incremental() %}
    where title not in (select title from {{ this }})
    {% endif %}
)

select
    title,
    {{ rule_sql }} as title_key,
    '{{ rule_version }}' as rule_version
from titles
