{#- Count-aware tests of the emerging terms (rules documented on term_trends). -#}

{#- P(X >= n) for X ~ Poisson(lam), summed from n upwards (no cancellation for
    the tiny tails that matter); only called where n > lam. -#}
{% macro poisson_upper_tail(n, lam) -%}
    least(1.0, list_sum(list_transform(
        range({{ n }}, {{ n }} + 60 + 10 * ceil(sqrt({{ n }}))::bigint),
        lambda k: exp(-{{ lam }} + k * ln({{ lam }}) - lgamma(k + 1))
    )))
{%- endmacro %}

{#- Whether `a` is a part of the longer term `b`: its words (hyphen parts
    too) appear in `b` in a row ("distillation" in "self-distillation",
    "large language" in "large language model"). -#}
{% macro term_part_of(a, b) -%}
    (length({{ b }}) > length({{ a }})
     and contains(' ' || replace({{ b }}, '-', ' ') || ' ', ' ' || replace({{ a }}, '-', ' ') || ' '))
{%- endmacro %}
