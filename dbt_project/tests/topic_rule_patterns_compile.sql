-- Every pattern of the topic_rules seed must be a valid (RE2) regular
-- expression; one broken row would otherwise fail the whole topic model.
select topic_id, pattern from {{ ref('topic_rules') }}
where pattern is null or try(regexp_matches('', pattern)) is null
