select
    snapshot_id,
    position,
    raw_text,
    reason
from {{ source('raw', 'rejected_mentions') }}
