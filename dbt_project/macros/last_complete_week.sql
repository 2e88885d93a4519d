{#- The one definition of "the last complete week": the latest week with data whose Sunday is
    on or before the newest observed day (empty days count). The dbt view
    rising_topics_last_week uses it, and publish renders this same file with Jinja for the
    analytics file's marts.last_complete_week (pipeline/dbt_macros.py). -#}
{% macro last_complete_week(topic_trends, newest_observed_day) -%}
select max(period_start) as week_start
from {{ topic_trends }}
where grain = 'week'
  and n_papers_total > 0
  and period_start + 6 <= ({{ newest_observed_day }})
{%- endmacro %}
