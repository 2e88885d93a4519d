{#- Fails once per listed column that holds a null: dbt's not_null for several
    columns in one scan and one test (one query and one Dagster check per model
    instead of one per column; a refresh pays per test). -#}
{% test not_null_columns(model, columns) %}
with null_counts as (
    select
    {%- for column in columns %}
        count(*) filter (where "{{ column }}" is null) as "{{ column }}"{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
select column_name, n_nulls
from (unpivot null_counts on columns(*) into name column_name value n_nulls)
where n_nulls > 0
{% endtest %}
