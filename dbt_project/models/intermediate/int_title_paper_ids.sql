-- The paper a title key stands for: the (smallest) arXiv id seen with that
-- key, else a hash of the key. Mentions that carry their own arXiv id keep it.
select
    title_key,
    coalesce(min(arxiv_id), 't_' || left(md5(title_key), 16)) as paper_id
from {{ ref('int_mentions') }}
group by title_key
