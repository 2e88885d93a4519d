select
    snapshot_id,
    file_name,
    layout,
    snapshot_date,
    snapshot_date_source,
    n_entries,
    n_rejected,
    size_bytes,
    encoding,
    parser_version,
    ingested_at
from {{ source('raw', 'snapshots') }}
