{#- True when the incremental model being built holds rows written under another version
    of its rule (column `column` <> `version`): the one check behind every "re-match /
    rebuild everything when the rule changed" of the incremental models. False on a
    first or full build, and at parse time. -#}
{% macro version_changed(column, version) -%}
    {%- if execute and is_incremental() -%}
        {%- set stale = run_query("select count(*) from " ~ this ~ " where " ~ column ~ " <> '" ~ version ~ "'") -%}
        {{ return(stale.rows[0][0] > 0) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}
