{{ config(materialized='view') }}

-- Distinct papers mentioned per period, for both trend grains
-- (ISO weeks start on Monday; months on the 1st).
select distinct grain, period_start, paper_id
from (
    select 'week' as grain, date_trunc('week', snapshot_date)::date as period_start, paper_id
    from {{ ref('paper_mentions') }}
    union all
    select 'month' as grain, date_trunc('month', snapshot_date)::date as period_start, paper_id
    from {{ ref('paper_mentions') }}
)
