"""Pairing titles with abstracts by their shape, not by alternation.

Real pages break strict title/abstract alternation all the time: a summary is
missing, split by a blank line, followed by a comment, or is itself a short
title-like line. Each content unit is therefore classified by its shape
(``T``: could be a title; ``N``: cannot, an abstract or a comment; ``B``: an
annotation block), and its role is decided from its own shape and its two
neighbours only, all with polars expressions. A unit whose role is uncertain
becomes an ``unpaired paragraph`` rejection: an entry is never loaded with
another entry's text as its title.

Roles of a ``T`` unit, first rule that applies:

1. same text as the ``T`` unit before it, or containing it or contained in it
   -> that entry's summary;
2. after another ``T`` unit, only weakly title-shaped or sharing two words
   with it -> unpaired;
   otherwise, followed by an ``N`` unit -> a title (the ``N`` is its abstract);
3. overlaps the ``T`` unit before it (same name, one contains the other,
   most words shared) -> that entry's summary;
4. followed by a block: after a ``T`` unit it is that entry's summary, else a title;
5. after another ``T`` unit: a title only when it is named (``Name: what it
   does``) or a Title Case line of five words or more, and shares no word with that unit (a summary always shares some);
   otherwise uncertain (a title-like summary, or a title whose abstract is
   missing): unpaired;
6. first unit of the page, or followed by its own title-like summary -> a title;
7. strongly title-shaped (a name and a colon, Title Case, a question) -> a
   title without abstract; otherwise unpaired.
"""

from __future__ import annotations

import polars as pl

URL_RE = r"(?i)\bhttps?\b|www\.|\.(com|io|org|ai|net|html?)\b|github\.|arxiv\.org"
EMOJI_RE = r"[\x{2600}-\x{27BF}\x{1F000}-\x{1FFFF}]"
# How comments start ("We ...", "Thanks ...", "Check it out"); titles do not.
COMMENT_START_RE = (
    r"(?i)^((we|our|thanks|thank you|please|hello|hi|hey|congratulations)\s|(accepted|check out|check it|check this"
    r"|great (work|paper)|nice (work|paper)|interesting (work|paper)|awesome|cool|very|update the|upload|submit"
    r"|this (paper|work)|in this (paper|work))\b)"
)
# A lower-case first word makes a strong title only when it is a name ("mHC:", "iFSQ:",
# "e5-omni:") or the line is a lower-cased "name: what it does" title; otherwise a weak one.
LOWER_START_RE = r"^[a-z]"
NAME_START_RE = r"^[a-z][^\s:]*([A-Z0-9]|:)|^[a-z][^:]{0,60}:\s"
SENTENCE_END_RE = r"([!,;(\[\\]|:-?\)|\.\.\.|…)$"
# Code, markup and formulas pasted in a summary: a title has none of these, and some letters.
CODE_RE = r"[=$#]|^[^\p{L}\p{N}\"'“‘(]|\(\s*\)|\w_\w|[a-z]\.\s?[a-z]+\s?\("
LETTERS_RE = r"\p{L}{2}"
MAX_TITLE_CHARS = 300
MAX_TITLE_WORDS = 30
SMALL_WORDS = (
    "a an the of for and or to in on with via by from at as is are be into over under vs versus without through "
    "toward towards its your you we our can do does how what when why which not all"
).split()
NAME_SEPARATOR_RE = r":\s|\s-\s|\s\("
MAX_NAME_WORDS = 4
MIN_JACCARD = 0.5
LONG_TITLE_WORDS = 5  # capitalised words
SUMMARY_SHARED_WORDS = 2  # a title-like line sharing this many words with the title above reads as its summary
# "Name: what it does", the usual shape of a paper title (a name of at most four words).
NAMED_TITLE_RE = r"^\S+(\s\S+){0,3}:\s\S+\s\S+"


def is_title_shaped(unit: pl.Expr) -> pl.Expr:
    """Could this unit be a title? One line, title length, no sentence end, URL, emoji or comment opening.

    The regular expressions run on one-line units of title length only (the
    others are null there): abstracts are most of a page's bytes and can
    never be titles, and matching them was most of the parse time.
    """
    candidate = ~unit.str.contains("\n", literal=True) & (unit.str.len_chars() <= MAX_TITLE_CHARS)
    short = pl.when(candidate).then(unit)
    return (
        candidate
        & (short.str.count_matches(r"\S+") <= MAX_TITLE_WORDS)
        & ~short.str.contains(SENTENCE_END_RE)
        & ~short.str.contains(URL_RE)
        & ~short.str.contains(EMOJI_RE)
        & ~short.str.contains(" | ", literal=True)
        & ~short.str.contains(CODE_RE)
        & short.str.contains(LETTERS_RE)
        & ~short.str.contains(COMMENT_START_RE)
        # a sentence ends with a period; a title only by accident, and then it still reads as a title
        & (~short.str.contains(r"\.$") | is_strong_title(short))
    ).fill_null(False)


def is_strong_title(unit: pl.Expr) -> pl.Expr:
    """A title even without an abstract: a named title, Title Case, or a one-word name."""
    words = unit.str.split(" ")
    significant = words.list.eval(
        pl.element().filter(pl.element().str.contains(r"^[A-Za-z]") & ~pl.element().str.to_lowercase().is_in(SMALL_WORDS))
    )
    capitalised = significant.list.eval(pl.element().str.contains(r"^[A-Z]").cast(pl.Int32).sum()).list.first()
    n_words = words.list.len()
    named_or_cased = ~unit.str.contains(LOWER_START_RE) | unit.str.contains(NAME_START_RE)
    return named_or_cased & (
        unit.str.contains(r"^[^(]*:\s|\s-\s")
        | ((n_words == 1) & unit.str.contains(r"^.+[A-Z0-9]"))
        | ((n_words >= 2) & (capitalised >= 0.75 * significant.list.len()) & (significant.list.len() > 0))
    )


def _norm(unit: pl.Expr) -> pl.Expr:
    return unit.str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars()


def _name(unit: pl.Expr) -> pl.Expr:
    """The name a title starts with ("Seedance 1.5 pro" of "Seedance 1.5 pro: ..."), normalized."""
    head = _norm(unit.str.split_exact(":", 1).struct.field("field_0").str.replace(r"\s-\s.*$|\s\(.*$", ""))
    short = head.str.count_matches(" ") < MAX_NAME_WORDS
    return pl.when(unit.str.contains(NAME_SEPARATOR_RE) & short & (head.str.len_chars() >= 3)).then(head)


def _tokens(norm: pl.Expr) -> pl.Expr:
    return norm.str.split(" ").list.eval(
        pl.element().filter((pl.element().str.len_chars() >= 3) & ~pl.element().is_in(SMALL_WORDS))
    ).list.unique()


def shape_features(units: pl.DataFrame) -> pl.DataFrame:
    """Add ``norm``, ``name`` and ``tokens`` of each unit, the inputs of ``overlaps``."""
    return units.with_columns(_norm(pl.col("unit")).alias("norm"), _name(pl.col("unit")).alias("name")).with_columns(
        _tokens(pl.col("norm")).alias("tokens")
    )


def overlaps(a: str, b: str) -> pl.Expr:
    """Do units ``a`` and ``b`` (column prefixes) name the same paper? Null-safe, False when unknown."""
    na, nb = pl.col(f"{a}norm"), pl.col(f"{b}norm")
    padded_a, padded_b = pl.lit(" ") + na + pl.lit(" "), pl.lit(" ") + nb + pl.lit(" ")
    shared = pl.col(f"{a}tokens").list.set_intersection(pl.col(f"{b}tokens")).list.len()
    union = pl.col(f"{a}tokens").list.set_union(pl.col(f"{b}tokens")).list.len()
    return (
        (na.str.len_chars() > 0) & (nb.str.len_chars() > 0)
        & (
            padded_a.str.contains(padded_b, literal=True)
            | padded_b.str.contains(padded_a, literal=True)
            | padded_b.str.contains(pl.lit(" ") + pl.col(f"{a}name") + pl.lit(" "), literal=True).fill_null(False)
            | padded_a.str.contains(pl.lit(" ") + pl.col(f"{b}name") + pl.lit(" "), literal=True).fill_null(False)
            | (shared >= MIN_JACCARD * union) & (union > 0)
        )
    ).fill_null(False)


def assign_roles(content: pl.DataFrame, block: pl.Expr | None = None) -> pl.DataFrame:
    """Give each content unit (``doc_id``, ``unit``, in page order) a ``role``.

    Roles: ``title``, ``attach`` (abstract, summary or comment of the entry
    above), ``block`` (annotation block of the entry above) and ``unpaired``.
    Adds ``entry`` (0 before the first title) and ``position`` (page order of
    titles and unpaired units).
    """
    is_block = block if block is not None else pl.lit(False)
    kinds = content.with_columns(is_block.alias("is_block"))
    # Right after an annotation block comes the next title, whatever its case or punctuation.
    after_block = (
        pl.col("is_block").shift(1).over("doc_id").fill_null(False) & ~pl.col("is_block")
        & ~pl.col("unit").str.contains("\n") & (pl.col("unit").str.len_chars() <= MAX_TITLE_CHARS)
    )
    kinds = kinds.with_columns(
        pl.when(pl.col("is_block")).then(pl.lit("B")).when(is_title_shaped(pl.col("unit")) | after_block).then(pl.lit("T"))
        .otherwise(pl.lit("N")).alias("kind")
    ).drop("is_block")
    # A title-like unit repeating the title above it is that entry's summary for certain:
    # it counts as an abstract for its neighbours too.
    same = pl.col("unit").str.to_lowercase() == pl.col("unit").shift(1).over("doc_id").str.to_lowercase()
    kinds = kinds.with_columns(
        pl.when((pl.col("kind") == "T") & (pl.col("kind").shift(1).over("doc_id") == "T") & same)
        .then(pl.lit("N")).otherwise(pl.col("kind")).alias("kind")
    )
    t = kinds.filter(pl.col("kind") == "T")
    t = shape_features(t).with_columns(
        is_strong_title(pl.col("unit")).alias("strong"), pl.col("unit").str.contains(NAMED_TITLE_RE).alias("named")
    ).with_columns((pl.col("strong") & (pl.col("unit").str.count_matches(r"(^|\s)[A-Z]") >= LONG_TITLE_WORDS)).alias("long_title_case"))
    kinds = kinds.join(t.select("doc_id", "unit_no", "norm", "name", "tokens", "strong", "named", "long_title_case"), on=["doc_id", "unit_no"],
                       how="left", maintain_order="left")
    shifted = [pl.col(c).shift(s).over("doc_id").alias(f"{p}{c}")
               for s, p in ((1, "prev_"), (-1, "next_")) for c in ("kind", "norm", "name", "tokens")]
    kinds = kinds.with_columns(shifted)
    prev_t, next_kind = pl.col("prev_kind") == "T", pl.col("next_kind")
    padded, prev_padded = pl.lit(" ") + pl.col("norm") + pl.lit(" "), pl.lit(" ") + pl.col("prev_norm") + pl.lit(" ")
    contains_prev = (padded.str.contains(prev_padded, literal=True) | prev_padded.str.contains(padded, literal=True)).fill_null(False)
    shared_with_prev = pl.col("tokens").list.set_intersection(pl.col("prev_tokens")).list.len().fill_null(0)
    role = (
        pl.when(pl.col("kind") == "N").then(pl.lit("attach"))
        .when(pl.col("kind") == "B").then(pl.lit("block"))
        .when(prev_t & contains_prev).then(pl.lit("attach"))
        .when(prev_t & (~pl.col("strong") | (shared_with_prev >= SUMMARY_SHARED_WORDS))).then(pl.lit("unpaired"))
        .when(next_kind == "N").then(pl.lit("title"))
        .when(prev_t & overlaps("", "prev_")).then(pl.lit("attach"))
        .when((next_kind == "B") & prev_t).then(pl.lit("attach"))
        .when(next_kind == "B").then(pl.lit("title"))
        .when(prev_t & (pl.col("named") | pl.col("long_title_case")) & (shared_with_prev == 0)).then(pl.lit("title"))
        .when(prev_t).then(pl.lit("unpaired"))
        .when(pl.col("prev_kind").is_null()).then(pl.lit("title"))
        .when((next_kind == "T") & overlaps("", "next_")).then(pl.lit("title"))
        .when(pl.col("strong")).then(pl.lit("title"))
        .otherwise(pl.lit("unpaired"))
    )
    roles = kinds.with_columns(role.alias("role")).with_columns(
        (pl.col("role") == "title").cast(pl.Int32).cum_sum().over("doc_id").alias("entry")
    )
    # Text with no title above it has no entry to belong to; a second block of one entry neither.
    extra_block = (pl.col("role") == "block") & (pl.col("role") == "block").cast(pl.Int32).cum_sum().over("doc_id", "entry").gt(1)
    roles = roles.with_columns(
        pl.when((pl.col("entry") == 0) & (pl.col("role") != "title") | extra_block)
        .then(pl.lit("unpaired")).otherwise(pl.col("role")).alias("role")
    )
    return roles.with_columns(
        pl.col("role").is_in(["title", "unpaired"]).cast(pl.Int32).cum_sum().over("doc_id").alias("position")
    ).select(*content.columns, "role", "entry", "position")
