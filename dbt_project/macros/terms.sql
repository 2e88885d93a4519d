{#- Word rules of the emerging terms (documented on int_title_terms). -#}

{#- True when word `w` may start or end a term: not a fragment (two
    characters or fewer, or only digits). Stop words are checked by a join
    with the seed term_stopwords. -#}
{% macro term_edge_ok(w) -%}
    (length({{ w }}) > 2 and ltrim({{ w }}, '0123456789') <> '')
{%- endmacro %}

{#- The words of an already lower-cased, space-separated text: the possessive
    remnant "s" ("llm's" -> "llm s") and pieces without a letter or digit
    are dropped. -#}
{% macro term_words(text) -%}
    list_filter(string_split({{ text }}, ' '), lambda w: w <> 's' and regexp_matches(w, '[\pL\pN]'))
{%- endmacro %}

{#- Bound prefixes that hyphenated words leave as separate words ("multi-agent",
    "self-supervised", "cross-modal"): fragments on their own. -#}
{% macro term_prefixes() -%}
    ['multi', 'self', 'cross', 'non', 'pre', 'post', 'semi', 'sub', 'inter', 'intra', 'anti', 'pseudo', 'mid', 'uni', 'bi', 'tri']
{%- endmacro %}
