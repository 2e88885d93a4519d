{#- Every rule of one table in one test: one query, one dbt node and one Dagster
    check per table instead of one per rule (a refresh pays per node and per
    event). Returns one row per broken rule, naming it (`rule`) and counting
    the rows, or the repeated combinations, that break it (`n_rows`):
      key:             a primary key: these columns are not null and unique together
      not_null:        these columns are not null
      unique:          a list of column lists: each combination occurs at most once
                       (nulls group together, like dbt_utils.unique_combination_of_columns)
      accepted_values: {column: [values]}: a non-null value is one of these (dbt's accepted_values)
      references:      {column: {to: "ref('x')" or "source('s', 'x')", field: f}}: a non-null value
                       is a value of x.f (dbt's relationships; counts the rows that break it)
      expressions:     {name: SQL boolean}: no row makes it false (a null result passes, like
                       dbt_utils.expression_is_true); the name says what the rule is
    A test with references reads those tables too, so under `--indirect-selection cautious`
    (the pipeline's) it runs when they are selected as well.
-#}
{% test table_rules(model, key=[], not_null=[], unique=[], accepted_values={}, references={}, expressions={}) %}
{%- set nulls = key + (not_null | reject("in", key) | list) -%}
{%- set combinations = ([key] if key else []) + unique -%}
{%- set counted = nulls or accepted_values or expressions -%}
with broken as (
    {%- if counted %}
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
        {%- for name, condition in expressions.items() %}
            count(*) filter (where not ({{ condition }})) as "expression {{ name }}",
        {%- endfor %}
        from {{ model }}
    ) on columns(*) into name rule value n_rows)
    {%- endif %}
    {%- for columns in combinations %}
    {{ "union all" if (counted or not loop.first) }}
    select 'unique ({{ columns | join(", ") }})' as rule, count(*) as n_rows
    from (
        select 1 from {{ model }}
        group by {% for column in columns %}"{{ column }}"{{ ", " if not loop.last }}{% endfor %}
        having count(*) > 1
    )
    {%- endfor %}
    {%- for column, parent in references.items() %}
    {{ "union all" if (counted or combinations or not loop.first) }}
    select 'references {{ column }} -> {{ parent.to.identifier or parent.to }}.{{ parent.field }}' as rule,
        count(*) as n_rows
    from {{ model }} as child
    anti join (select "{{ parent.field }}" as to_field from {{ parent.to }}) as p
        on child."{{ column }}" = p.to_field
    where child."{{ column }}" is not null
    {%- endfor %}
)
select rule, n_rows from broken where n_rows > 0
{% endtest %}
