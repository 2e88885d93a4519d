-- A paper's topics are those of its most recent title and abstract, i.e. of
-- the text of its most recent mention.
with latest_text as (
    select paper_id, arg_max(text_hash, recency) as text_hash
    from {{ ref('int_paper_mentions') }}
    group by paper_id
)

select
    l.paper_id,
    unnest(t.topic_ids) as topic_id
from latest_text as l
inner join {{ ref('int_text_topics') }} as t on t.text_hash = l.text_hash
