-- arXiv ids lose an "arXiv:" prefix and the version suffix ("2310.01234v2"
-- -> "2310.01234") so every version of a paper shares one paper_id.
select
    snapshot_id,
    position,
    title,
    abstract,
    authors_count,
    nullif(trim(organization), '') as organization,
    published_on,
    upvotes,
    nullif(
        regexp_replace(regexp_replace(trim(arxiv_id), '^arxiv:\s*', '', 'i'), 'v[0-9]+$', ''),
        ''
    ) as arxiv_id,
    nullif(trim(organization_name), '') as organization_name,
    ai_keywords,
    ai_summary,
    github_repo,
    num_comments,
    submitted_on_daily_at
from {{ source('raw', 'paper_mentions') }}
