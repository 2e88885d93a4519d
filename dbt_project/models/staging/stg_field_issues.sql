select
    snapshot_id,
    position,
    field,
    raw_value,
    reason
from {{ source('raw', 'field_issues') }}
