{{ config(materialized='view') }}

-- Each mention with its paper and its recency: a mention is more recent than
-- another when its (snapshot_date, fetched_at, ingested_at, snapshot_id, -position) is greater.
-- Versions of one day are ordered by fetch time: two versions loaded in one chunk share
-- ingested_at, and a re-parse resets it.
select
    m.*,
    coalesce(m.arxiv_id, k.paper_id) as paper_id,
    {
        'snapshot_date': m.snapshot_date,
        'fetched_at': m.fetched_at,
        'ingested_at': m.ingested_at,
        'snapshot_id': m.snapshot_id,
        'neg_position': -m.position
    } as recency
from {{ ref('int_mentions') }} as m
inner join {{ ref('int_title_paper_ids') }} as k on k.title_key = m.title_key
