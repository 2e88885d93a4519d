-- depends_on: {{ ref('int_topic_rules') }}
{#- Topics of every distinct text (title, newline, abstract) of a mention.
    DuckDB compiles a regular expression once only when it is a constant, so
    the rules are read from the seed at run time and written into the SQL, one
    branch per topic. Incremental: a text is matched once per version of the
    rules; a changed seed (new rules_version) re-matches every text. -#}
{%- set rules = [] -%}
{%- if execute -%}
    {%- set result = run_query("select topic_id, pattern from " ~ ref('int_topic_rules') ~ " order by topic_id") -%}
    {%- for row in result.rows -%}
        {%- do rules.append([row[0], row[1]]) -%}
    {%- endfor -%}
{%- endif -%}
{%- set rules_version = local_md5(rules | tojson) -%}
{%- set rematch_all = version_changed('rules_version', rules_version) -%}
{{ config(materialized='incremental', unique_key='text_hash', on_schema_change='fail') }}

with wanted as (
    -- one mention (any) that carries the text
    select text_hash, min({'snapshot_id': snapshot_id, 'position': position}) as source
    from {{ ref('int_mentions') }}
    {% if is_incremental() and not rematch_all %}
    where text_hash not in (select text_hash from {{ this }})
    {% endif %}
    group by text_hash
),

texts as materialized (
    select w.text_hash, m.title || chr(10) || coalesce(m.abstract, '') as text
    from wanted as w
    inner join {{ ref('stg_paper_mentions') }} as m
        on m.snapshot_id = w.source.snapshot_id and m.position = w.source.position
),

matches as (
    {% for topic_id, pattern in rules %}
    select text_hash, '{{ topic_id }}' as topic_id
    from texts
    where regexp_matches(text, '{{ pattern | replace("'", "''") }}', 'i')
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select null::varchar as text_hash, null::varchar as topic_id where false
    {% endfor %}
)

select
    texts.text_hash,
    coalesce(
        list(matches.topic_id order by matches.topic_id) filter (where matches.topic_id is not null),
        []::varchar[]
    ) as topic_ids,
    '{{ rules_version }}' as rules_version
from texts
left join matches on matches.text_hash = texts.text_hash
group by texts.text_hash
