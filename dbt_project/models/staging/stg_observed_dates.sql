{#- Every day a landing file observed: each snapshot's date, and the dates of files that
    repeat a snapshot's bytes (a second empty API day). Same rule as
    pipeline/warehouse.py observed_dates_sql. -#}
select snapshot_date from {{ source('raw', 'snapshots') }}
union
select snapshot_date from {{ source('raw', 'observed_dates') }}
