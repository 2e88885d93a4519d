{#- Word rules of the emerging terms (documented on int_text_terms). -#}

{#- True when word `w` may start or end a term: not a fragment (two
    characters or fewer, or only digits and hyphens) and none of `stop_words`
    (lower case; int_text_terms passes the seed term_stopwords). One regular
    expression per word: `ltrim(w, '0123456789-')` and a `list_contains` over
    the stop list cost 8x and 4x as much on 40 million words. -#}
{% macro term_edge_ok(w, stop_words=[]) -%}
    {%- set alternatives = ['[0-9-]+'] -%}
    {%- for word in stop_words -%}
        {%- do alternatives.append(regex_literal(word)) -%}
    {%- endfor -%}
    (length({{ w }}) > 2 and not regexp_full_match({{ w }}, '(?:{{ alternatives | join('|') | replace("'", "''") }})'))
{%- endmacro %}

{#- `text` as a regular expression that matches it literally (RE2 syntax). -#}
{% macro regex_literal(text) -%}
    {%- set out = [] -%}
    {%- for ch in text -%}
        {%- do out.append('\\' ~ ch if ch in '\\.^$|?*+()[]{}-' else ch) -%}
    {%- endfor -%}
    {{- out | join('') -}}
{%- endmacro %}

{#- The words of a text that term_tokens' replacements have left with letters,
    digits, "|", hyphens and spaces only, and no word of hyphens alone: the
    possessive remnant "s" ("llm's" -> "llm s") and the empty pieces between
    two spaces are dropped. -#}
{% macro term_words(text) -%}
    list_filter(string_split({{ text }}, ' '), lambda w: w <> 's' and w <> '')
{%- endmacro %}

{#- Lower-cased words of a title or abstract. A hyphen between letters or
    digits stays inside its word ("on-policy", "token-level", "gpt-4"), any
    other character splits words, and sentence or clause punctuation becomes a
    word "|" that no term may span. The second replacement leaves a single
    space alone (it matches a run of other characters, or of 2+ spaces):
    rewriting every space as itself took 4x as long. -#}
{% macro term_tokens(text) -%}
    list_transform(
        {{ term_words("trim(regexp_replace(regexp_replace(regexp_replace(lower(nfc_normalize(" ~ text ~ ")),
            '[.,;:!?()\\[\\]{}\"“”]+', ' | ', 'g'),
            ' *[^\\pL\\pN|\\- ][^\\pL\\pN|\\-]*| {2,}', ' ', 'g'),
            '(^|\\s)-+|-+(\\s|$)', ' ', 'g'))") }},
        lambda w: case when starts_with(w, '-') or ends_with(w, '-') then trim(w, '-') else w end
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
    may start a term, never end one or stand alone. A regular expression for
    regexp_full_match (half the cost of list_contains over the 16 words). -#}
{% macro term_prefixes() -%}
    (?:multi|self|cross|non|pre|post|semi|sub|inter|intra|anti|pseudo|mid|uni|bi|tri)
{%- endmacro %}

{#- Small words an acronym may skip ("Reinforcement Learning with Verifiable
    Rewards (RLVR)") or keep ("Mixture-of-Experts (MoE)"). -#}
{% macro acronym_skippable() -%}
    ['of', 'with', 'for', 'and', 'the', 'a', 'an', 'in', 'on', 'to', 'via', 'from', 'by']
{%- endmacro %}

{#- The acronyms that `text` defines, as a list of {acronym, expansion} (lower case):
    "On-Policy Distillation (OPD)": of the up to 6 words before an acronym in
    parentheses (2+ capitals, optional plural "s"), the shortest tail whose
    initials (of every hyphen part, with or without small words) spell it.
    Row by row (no unnest and regrouping), so int_text_terms reads its texts once. -#}
{% macro acronym_definitions(text) -%}
    {%- set pattern = "((?:[A-Za-z][A-Za-z0-9-]*\\s+){1,6})\\(\\s*([A-Z][A-Za-z0-9-]*[A-Z0-9]s?)\\s*\\)" -%}
    {%- set parts = "flatten(list_transform(tail, lambda w: string_split(w, '-')))" -%}
    list_distinct(list_transform(
        list_filter(
            list_transform(
                list_transform(
                    list_filter(
                        list_transform(regexp_extract_all({{ text }}, '{{ pattern }}'),
                                       lambda x: regexp_extract(x, '{{ pattern }}', ['phrase', 'acronym'])),
                        lambda m: length(regexp_replace(m.acronym, '[^A-Z]', '', 'g')) >= 2),
                    lambda m: {
                        'acronym': lower(regexp_replace(m.acronym, 's$', '')),
                        'words': list_filter(regexp_split_to_array(lower(trim(m.phrase)), '\s+'), lambda w: w <> '')
                    }),
                lambda d: {'acronym': d.acronym, 'tail': list_filter(
                    list_transform(range(1, len(d.words) + 1), lambda k: d.words[len(d.words) - k + 1:]),
                    lambda tail: {{ acronym_initials(parts) }} = d.acronym
                        or {{ acronym_initials('list_filter(' ~ parts ~ ', lambda p: not list_contains(' ~ acronym_skippable() ~ ', p))') }} = d.acronym
                )[1]}),
            lambda d: d.tail is not null and len(d.tail) >= 2),
        lambda d: {'acronym': d.acronym, 'expansion': array_to_string(d.tail, ' ')}
    ))
{%- endmacro %}

{#- The initials of a list of words `parts`, as one string ("on", "policy" -> "op"). -#}
{% macro acronym_initials(parts) -%}
    array_to_string(list_transform({{ parts }}, lambda p: left(p, 1)), '')
{%- endmacro %}
