{#- `table` and `view` as ONE statement: `create or replace ... as`, then the commit.

    dbt-duckdb's own materializations create `<name>__dbt_tmp`, rename the old relation to
    `<name>__dbt_backup`, rename the new one in, commit, then drop the backup in a second
    transaction: five statements and two commits per model. On the lake target every commit
    is a DuckLake snapshot written to the PostgreSQL catalog, so that is two catalog round
    trips per model where one does (BENCHMARKS.md, p24nodes). `create or replace` is atomic
    in DuckDB and DuckLake alike: a failed model leaves the old relation as it was, and a
    killed build leaves no `__dbt_tmp` or `__dbt_backup` relation behind. Analysts never read
    the warehouse being built: publish copies the marts in one transaction (pipeline/publish.py).

    A view whose compiled SQL is the one it was created from is left as it is (no statement that
    writes, no commit, no DuckLake snapshot): its comment holds the md5 of that SQL. DuckDB and
    DuckLake bind a view's query when it is read, so a rebuilt upstream table needs no new view.
    `--full-refresh` recreates every view; so does a view replaced by hand (no comment).

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
    {%- set marker = 'papertrends view ' ~ local_md5((sql_header or '') ~ compiled_code) -%}
    {%- if kind == 'view' and existing_relation is not none and existing_relation.type == 'view'
          and not should_full_refresh() and relation_comment(existing_relation) == marker %}
        {% call statement('main') -%}
            select 'view unchanged' as status
        {%- endcall %}
    {%- else %}
        {% call statement('main') -%}
            {{ sql_header if sql_header is not none }}
            create or replace {{ kind }} {{ target_relation }} as (
                {{ compiled_code }}
            );
            {%- if kind == 'view' %}
            comment on view {{ target_relation }} is '{{ marker }}';
            {%- endif %}
        {%- endcall %}
    {%- endif %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    -- `COMMIT` happens here
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmacro %}

{% macro relation_comment(relation) -%}
    {%- set catalog = 'duckdb_views() where view_name' if relation.is_view else 'duckdb_tables() where table_name' -%}
    {%- set rows = run_query("select comment from " ~ catalog ~ " = '" ~ relation.identifier ~ "' and database_name = '"
        ~ relation.database ~ "' and schema_name = '" ~ relation.schema ~ "'") -%}
    {{ return(rows.columns[0].values()[0] if rows | length else none) }}
{%- endmacro %}

{% materialization table, adapter="duckdb" %}
    {{ return(replace_relation('table')) }}
{% endmaterialization %}

{% materialization view, adapter="duckdb" %}
    {{ return(replace_relation('view')) }}
{% endmaterialization %}

{#- A seed whose CSV (dbt's sha256 of the file) and column types are those it was loaded from
    is left as it is; its table comment holds their md5. dbt-core reloads every seed on every
    build: three tables truncated and inserted, three commits (DuckLake snapshots on the lake).
    `--full-refresh` reloads every seed; a changed file or column_types reloads that seed.
-#}
{% materialization seed, adapter="duckdb" %}
    {%- set marker = 'papertrends seed ' ~ local_md5(model.checksum.checksum ~ tojson(config.get('column_types') or {})) -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- if existing is not none and existing.is_table and model.checksum.name == 'sha256'
          and not should_full_refresh() and relation_comment(existing) == marker -%}
        {%- do store_result('agate_table', response='OK', agate_table=load_agate_table()) -%}  {#- dbt's seed result reads it #}
        {% call noop_statement('main', 'UNCHANGED', 'UNCHANGED', 0) %}{% endcall %}
        {{ return({'relations': [this.incorporate(type='table')]}) }}
    {%- endif -%}
    {%- set result = dbt.materialization_seed_default() -%}
    {% call statement('seed_marker') -%}
        comment on table {{ this }} is '{{ marker }}'
    {%- endcall %}
    {{ adapter.commit() }}
    {{ return(result) }}
{% endmaterialization %}
