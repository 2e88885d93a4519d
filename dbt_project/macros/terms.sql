{#- Word rules of the emerging terms (documented on int_text_terms). -#}

{#- True when word `w` may start or end a term: not a fragment (two
    characters or fewer, or only digits and hyphens). Stop words are checked
    against the seed term_stopwords. -#}
{% macro term_edge_ok(w) -%}
    (length({{ w }}) > 2 and ltrim({{ w }}, '0123456789-') <> '')
{%- endmacro %}

{#- The words of an already lower-cased, space-separated text: the possessive
    remnant "s" ("llm's" -> "llm s") and pieces without a letter, digit or
    the segment mark "|" are dropped. -#}
{% macro term_words(text) -%}
    list_filter(string_split({{ text }}, ' '), lambda w: w <> 's' and regexp_matches(w, '[\pL\pN|]'))
{%- endmacro %}

{#- Lower-cased words of a title or abstract. A hyphen between letters or
    digits stays inside its word ("on-policy", "token-level", "gpt-4"), any
    other character splits words, and sentence or clause punctuation becomes a
    word "|" that no term may span. -#}
{% macro term_tokens(text) -%}
    list_transform(
        {{ term_words("trim(regexp_replace(regexp_replace(regexp_replace(lower(nfc_normalize(" ~ text ~ ")),
            '[.,;:!?()\\[\\]{}\"“”]+', ' | ', 'g'),
            '[^\\pL\\pN|\\-]+', ' ', 'g'),
            '(^|\\s)-+|-+(\\s|$)', ' ', 'g'))") }},
        lambda w: trim(w, '-')
    )
{%- endmacro %}

{#- True when `abstract` is a real abstract (not a submitter's short comment,
    a link or the title again); thresholds in dbt_project.yml. -#}
{% macro real_abstract(abstract, title) -%}
    (
        length({{ abstract }}) >= {{ var('term_abstract_min_chars') }}
        and not regexp_matches(left({{ abstract }}, {{ var('term_abstract_url_chars') }}), 'https?://|www\.', 'i')
        and len(regexp_extract_all({{ abstract }}, 'https?://')) <= 1
        -- a list of titles with their years ("... Reasoning Models (2025) ...") is a bot's recommendations
        and len(regexp_extract_all({{ abstract }}, '\((19|20)[0-9][0-9]\)')) < 3
        and not regexp_matches({{ abstract }}, '[\x{1F300}-\x{1FAFF}\x{2600}-\x{27BF}]')
        and lower(trim({{ abstract }})) <> lower(trim({{ title }}))
    )
{%- endmacro %}

{#- Bound prefixes a hyphen may still leave alone ("multi- and cross-modal"):
    may start a term, never end one or stand alone. -#}
{% macro term_prefixes() -%}
    ['multi', 'self', 'cross', 'non', 'pre', 'post', 'semi', 'sub', 'inter', 'intra', 'anti', 'pseudo', 'mid', 'uni', 'bi', 'tri']
{%- endmacro %}

{#- Small words an acronym may skip ("Reinforcement Learning with Verifiable
    Rewards (RLVR)") or keep ("Mixture-of-Experts (MoE)"). -#}
{% macro acronym_skippable() -%}
    ['of', 'with', 'for', 'and', 'the', 'a', 'an', 'in', 'on', 'to', 'via', 'from', 'by']
{%- endmacro %}
