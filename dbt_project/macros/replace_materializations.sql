{#- `table` and `view` as ONE statement: `create or replace ... as`, then the commit.

    dbt-duckdb's own materializations create `<name>__dbt_tmp`, rename the old relation to
    `<name>__dbt_backup`, rename the new one in, commit, then drop the backup in a second
    transaction: five statements and two commits per model. On the lake target every commit
    is a DuckLake snapshot written to the PostgreSQL catalog, so that is two catalog round
    trips per model where one does (BENCHMARKS.md, p24nodes). `create or replace` is atomic
    in DuckDB and DuckLake alike: a failed model leaves the old relation as it was, and a
    killed build leaves no `__dbt_tmp` or `__dbt_backup` relation behind. Analysts never read
    the warehouse being built: publish copies the marts in one transaction (pipeline/publish.py).

    Only what this project uses is handled: SQL models without a contract, constraints,
    partitioned_by or sorted_by; anything else stops with a compile error rather than being
    silently ignored. These shadow dbt-duckdb's materializations for the whole project, and dbt
    runs Python only from the adapter's own: a Python model stays `incremental` (int_word_english).
-#}

{% macro replace_relation(kind) %}
    {%- set contract = config.get('contract') -%}
    {%- set layout = config.get('partitioned_by') or config.get('partition_by') or config.get('sorted_by')
                     or config.get('sort_by') -%}
    {%- if (contract and contract.enforced) or model.get('constraints') or layout -%}
        {{ exceptions.raise_compiler_error("macros/replace_materializations.sql builds plain SQL " ~ kind
            ~ " models only (no contract, constraints, partitioned_by or sorted_by): " ~ model.unique_id) }}
    {%- endif -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type=kind) -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- if existing_relation is not none and existing_relation.type != kind %}
        {{ drop_relation_if_exists(existing_relation) }}
    {%- endif %}
    {%- set sql_header = config.get('sql_header', none) %}
    {% call statement('main') -%}
        {{ sql_header if sql_header is not none }}
        create or replace {{ kind }} {{ target_relation }} as (
            {{ compiled_code }}
        );
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    -- `COMMIT` happens here
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmacro %}

{% materialization table, adapter="duckdb" %}
    {{ return(replace_relation('table')) }}
{% endmaterialization %}

{% materialization view, adapter="duckdb" %}
    {{ return(replace_relation('view')) }}
{% endmaterialization %}
