{#- Use the configured schema name as is (`marts`, not `main_marts`), so the
    schemas named in DESIGN.md are exactly what analysts query. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
