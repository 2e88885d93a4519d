select
    snapshot_id,
    file_name,
    layout,
    snapshot_date,
    snapshot_date_source,
    n_entries,
    n_rejected,
    coalesce(n_field_issues, 0) as n_field_issues,
    coalesce(source, 'file') as source,
    size_bytes,
    encoding,
    parser_version,
    ingested_at,
    -- snapshots loaded before fetched_at existed: their load time is the best bound
    coalesce(fetched_at, ingested_at) as fetched_at
from {{ source('raw', 'snapshots') }}
