{#- Building blocks of the title key (rule documented on int_title_keys).
    Each macro is one SQL expression over a column; the slow paths only run on
    the few titles that need them (a backslash, a non-ASCII character). -#}

{#- LaTeX to Unicode: letter macros first (\ss -> ß, \o -> ø, and \i -> i, the
    dotless i only used under an accent), then accents as combining marks that
    nfc_normalize composes later (\'e, \'{e} -> é; \"{\i} -> ï; \c{c} -> ç;
    \v{s} -> š), then escaped specials (\& -> &). -#}
{% macro latex_to_unicode(col) -%}
    {%- set letters = [
        ("ss", "ß"), ("ae", "æ"), ("AE", "Æ"), ("oe", "œ"), ("OE", "Œ"), ("aa", "å"),
        ("AA", "Å"), ("o", "ø"), ("O", "Ø"), ("l", "ł"), ("L", "Ł"), ("i", "i"), ("j", "j"),
    ] -%}
    {#- (command, combining code point, is a letter command needing {x} or a space) -#}
    {%- set accents = [
        ("'", 769, false), ("`", 768, false), ("\\^", 770, false), ('"', 776, false),
        ("~", 771, false), ("=", 772, false), ("\\.", 775, false),
        ("c", 807, true), ("v", 780, true), ("u", 774, true), ("H", 779, true),
        ("k", 808, true), ("r", 778, true), ("d", 803, true), ("b", 817, true),
    ] -%}
    {%- set ns = namespace(expr=col) -%}
    {%- for name, letter in letters -%}
        {%- set ns.expr = "regexp_replace(" ~ ns.expr ~ ", '\\\\" ~ name ~ "(?:\\{\\}|\\s+|\\b)', '" ~ letter ~ "', 'g')" -%}
    {%- endfor -%}
    {%- for accent in accents -%}
        {%- if accent[2] -%}
            {%- set pattern = "\\\\" ~ accent[0] ~ "(?:\\s*\\{\\s*([A-Za-z])\\s*\\}|\\s+([A-Za-z]))" -%}
        {%- else -%}
            {%- set pattern = "\\\\" ~ (accent[0] | replace("'", "''")) ~ "\\s*(?:\\{\\s*([A-Za-z])\\s*\\}|([A-Za-z]))" -%}
        {%- endif -%}
        {%- set ns.expr = "regexp_replace(" ~ ns.expr ~ ", '" ~ pattern ~ "', '\\1\\2' || chr(" ~ accent[1] ~ "), 'g')" -%}
    {%- endfor -%}
    case when contains({{ col }}, '\') then
        regexp_replace({{ ns.expr }}, '\\([&%$#_{}])', '\1', 'g')
    else {{ col }} end
{%- endmacro %}

{#- NFKC compatibility + case folding for the characters of unicode_compat_table
    (the regex gate keeps the per-character pass off the other titles). -#}
{% macro unicode_compat(col) -%}
    case when regexp_matches({{ col }}, '[{{ unicode_compat_chars() }}]') then
        array_to_string(list_transform(string_split({{ col }}, ''),
            lambda ch: coalesce({{ unicode_compat_lookup('ch') }}, ch)), '')
    else {{ col }} end
{%- endmacro %}

{#- Letters, digits and combining marks survive; every run of anything else
    (punctuation, symbols, white space of any kind) becomes one space. -#}
{% macro collapse_to_words(col) -%}
    trim(regexp_replace({{ col }}, '[^\p{L}\p{N}\p{M}]+', ' ', 'g'))
{%- endmacro %}

{#- The whole key: LaTeX to Unicode, braces dropped (LaTeX grouping), NFC,
    compatibility mappings, case folding, NFC again, punctuation and white
    space collapsed. Pure-ASCII titles without a backslash (almost all) skip
    the Unicode steps. A title with no letter or digit keys on itself so that
    it cannot merge with others. -#}
{% macro normalized_title_key(col) -%}
    {%- set plain = "regexp_replace(" ~ latex_to_unicode(col) ~ ", '[{}]', '', 'g')" -%}
    {%- set folded = "nfc_normalize(lower(" ~ unicode_compat("nfc_normalize(" ~ plain ~ ")") ~ "))" -%}
    coalesce(nullif(
        case when strlen({{ col }}) = length({{ col }}) and not contains({{ col }}, '\')
            then {{ collapse_to_words("lower(regexp_replace(" ~ col ~ ", '[{}]', '', 'g'))") }}
            else {{ collapse_to_words(folded) }}
        end, ''), {{ col }})
{%- endmacro %}
