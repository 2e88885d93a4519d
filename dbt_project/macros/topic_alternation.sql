{#- The one definition of a combined topic regex: each rule (or topic pattern) a non-capturing
    alternative, in a stable order. int_topic_rules uses it per topic, term_trends across
    topics, and bench/topic_coverage.py renders this same file with Jinja. -#}
{% macro topic_alternation(pattern, order_by) -%}
'(?:' || string_agg({{ pattern }}, ')|(?:' order by {{ order_by }}) || ')'
{%- endmacro %}
