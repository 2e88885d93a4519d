{{ config(alias='topics', meta={'dagster': {'asset_key': ['marts', 'topics']}}) }}

-- The taxonomy (seed `topics`) with the size of each topic's rule set.
-- parent_topic_id lets an analyst roll a subtopic up (null for a top-level topic).
select
    t.topic_id,
    t.label,
    t.description,
    nullif(trim(t.parent_topic_id), '') as parent_topic_id,
    coalesce(r.n_rules, 0) as n_rules
from {{ ref('topics') }} as t
left join {{ ref('int_topic_rules') }} as r on r.topic_id = t.topic_id
