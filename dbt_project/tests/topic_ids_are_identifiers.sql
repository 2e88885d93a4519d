-- Topic ids are pasted as SQL literals by int_text_topics (one regex pass per
-- topic): an analyst's edit to the seeds must keep them plain identifiers.
select 'topics' as seed, topic_id from {{ ref('topics') }}
where not regexp_full_match(topic_id, '[a-z][a-z0-9_]*')
union all
select 'topic_rules' as seed, topic_id from {{ ref('topic_rules') }}
where not regexp_full_match(topic_id, '[a-z][a-z0-9_]*')
