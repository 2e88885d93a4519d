{#- Every rule of one table in one test: one query, one dbt node and one Dagster
    check per table instead of one per rule (a refresh pays per node and per
    event). Returns one row per broken rule, naming it (`rule`) and counting
    the rows, or the repeated combinations, that break it (`n_rows`):
      key:             a primary key: these columns are not null and unique together
      not_null:        these columns are not null
      unique:          a list of column lists: each combination occurs at most once
                       (nulls group together, like dbt_utils.unique_combination_of_columns)
      accepted_values: {column: [values]}: a non-null value is one of these (dbt's accepted_values)
-#}
{% test table_rules(model, key=[], not_null=[], unique=[], accepted_values={}) %}
{%- set nulls = key + (not_null | reject("in", key) | list) -%}
{%- set combinations = ([key] if key else []) + unique -%}
with broken as (
    {%- if nulls or accepted_values %}
    select rule, n_rows
    from (unpivot (
        select
        {%- for column in nulls %}
            count(*) filter (where "{{ column }}" is null) as "not_null {{ column }}",
        {%- endfor %}
        {%- for column, values in accepted_values.items() %}
            count(*) filter (where "{{ column }}" not in ({% for v in values %}'{{ v }}'{{ ", " if not loop.last }}{% endfor %}))
                as "accepted_values {{ column }}",
        {%- endfor %}
        from {{ model }}
    ) on columns(*) into name rule value n_rows)
    {%- endif %}
    {%- for columns in combinations %}
    {{ "union all" if (nulls or accepted_values or not loop.first) }}
    select 'unique ({{ columns | join(", ") }})' as rule, count(*) as n_rows
    from (
        select 1 from {{ model }}
        group by {% for column in columns %}"{{ column }}"{{ ", " if not loop.last }}{% endfor %}
        having count(*) > 1
    )
    {%- endfor %}
)
select rule, n_rows from broken where n_rows > 0
{% endtest %}
