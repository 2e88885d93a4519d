select
    sha256,
    file_name,
    reason,
    size_bytes,
    rejected_at
from {{ source('raw', 'rejected_files') }}
