{{ config(materialized='view') }}

-- One regular expression per topic: its rules as alternatives, in a stable order.
select
    topic_id,
    {{ topic_alternation('pattern', 'pattern') }} as pattern,
    count(*) as n_rules
from {{ ref('topic_rules') }}
group by topic_id
