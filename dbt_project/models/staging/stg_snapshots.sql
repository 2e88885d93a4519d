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
    ingested_at
from {{ source('raw', 'snapshots') }}
