{#- Old title-based paper_ids -> current paper_id (rule in _marts.yml). A
    title key's 't_' id is the one its mentions without an arXiv id had
    before the key met one (int_title_paper_ids); from then on they belong to
    the key's arXiv id, which is what int_title_paper_ids holds now. -#}

with keys_seen_without_arxiv as (
    select distinct title_key
    from {{ ref('int_mentions') }}
    where arxiv_id is null
)

select
    't_' || left(md5(k.title_key), 16) as old_paper_id,
    k.paper_id,
    k.title_key
from {{ ref('int_title_paper_ids') }} as k
inner join keys_seen_without_arxiv as s on s.title_key = k.title_key
where k.paper_id <> 't_' || left(md5(k.title_key), 16)
