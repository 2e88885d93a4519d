"""Pairing titles with abstracts by the page's structure, not by alternation.

Real pages break strict title/abstract alternation all the time: a summary is
missing, split by a blank line, followed by a comment, or is itself a short
title-like line. Each content unit is first classified by its shape:

- ``N``: cannot be a title (several lines, long, a sentence, a link, code):
  an abstract or a comment, attached to the entry above;
- ``T``: title-shaped; ``W``: title-shaped but ending with a full stop,
  opening like a comment ("Code:", "Coming soon", "TLDR", "Accepted at") or
  with a lower-case word after "?" ("does x need y? evidence from z"):
  a title only where no title-shaped neighbour explains the page better;
- ``X``: neither a title nor an abstract (control characters, thousands of
  characters without a space): rejected as its own unit, never attached;
- ``B``: an annotation block, closing the entry above.

The ``N`` and ``B`` units anchor the page: between two anchors lies a run of
``T``/``W``/``X`` units, and each run is segmented as a whole (see
``assign_roles``). A unit whose role stays uncertain becomes an ``unpaired
paragraph`` rejection: an entry is never loaded with another entry's text as
its title or abstract.
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
# A lower-case word after "?" or "!" reads like a sentence ("what's the vibe? vibe is ..."), but a
# lower-cased question title reads the same ("does x need y? evidence from z"): weak, not impossible.
SENTENCE_INSIDE_RE = r"[?!]\s+\p{Ll}"
# Code, markup and formulas pasted in a summary: a title has none of these, and some letters.
CODE_RE = r"[=$#]|\s\.(\s|$)|^[^\p{L}\p{N}\"'“‘(]|\(\s*\)([^:]|$)|[a-z]\.\s?[a-z]+\s?\("
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
NOTE_JACCARD = 0.4  # the same test before a note, where a summary is likelier
SHORT_SUMMARY_WORDS = 3  # a summary phrase ("ICLR 2026", "Technical report") vouching for the title above it
SUMMARY_SHARED_WORDS = 2  # a title-like line sharing this many words with the title above reads as its summary
# "Name: what it does", the usual shape of a paper title (a name of at most four words).
NAMED_TITLE_RE = r"^\S+(\s\S+){0,3}:\s\S+\s\S+"
# How submitters' notes open: a label made of words about code, data and pages ("Code and
# models:", "Project page:", "TL;DR:"), or a status ("Coming soon", "Accepted at", "Published in").
NOTE_WORDS = (
    "code codes model models weights checkpoint checkpoints data dataset datasets demo demos video videos website webpage"
    " project page homepage github paper blog post update note news summary keywords link links arxiv and our the"
).split()
# Case matters: "Demo:" and "Repo:" open notes, "DeMo:" and "RePo:" name papers.
NOTE_WORD_RE = "|".join([f"[{w[0]}{w[0].upper()}]{w[1:]}" for w in NOTE_WORDS] + ["GitHub", "arXiv", "TL;?DR", "tl;?dr", "&"])
NOTE_START_RE = (
    rf"^(({NOTE_WORD_RE})[\s,]*){{1,4}}:|(?i)^(coming soon|tl;?dr|accepted (at|to|by|in|as)|published (in|at|as|by)"
    r"|(in )?proceedings of|to appear|camera[- ]ready|see (our|the)|code (is|will|and|available|released))([^A-Za-z0-9]|$)"
    r"|(?i)(^|\s)(accepted|published) (at|to|by|in)([^A-Za-z0-9]|$)"
)
# A word no text has: a line this long without white space is binary or pasted garbage.
MAX_WORD_CHARS = 1000
CONTROL_RE = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"


def is_one_line(unit: pl.Expr) -> pl.Expr:
    """One line of title length at most: the only units that can be titles."""
    return ~unit.str.contains("\n", literal=True) & (unit.str.len_chars() <= MAX_TITLE_CHARS)


def is_title_shaped(unit: pl.Expr) -> pl.Expr:
    """Could this unit be a title? One line, title length, no sentence end, URL, emoji or comment opening.

    ``_classify`` runs it on one-line units of title length only: abstracts are
    most of a page's bytes and can never be titles. (Masking them with
    ``when/then`` is not enough: polars still runs a string kernel over the
    bytes of the masked rows.)
    """
    candidate = is_one_line(unit)
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
        # a sentence ends with a full stop; a title-shaped one is a note (``is_weak``) or, by accident, a title
        & (~short.str.contains(r"\.$") | is_strong_title(pl.when(short.str.contains(r"\.$")).then(short)))
    ).fill_null(False)  # is_strong_title (list work) only on the few units ending in a full stop


def is_weak(unit: pl.Expr) -> pl.Expr:
    """A title-shaped unit that reads like a note: a full stop at the end (no real title has one), a note's opening,
    an identifier (``x_1``) or a lower-case word after a question or exclamation mark.

    Only meaningful on title-shaped units (run it on those alone).
    """
    return unit.str.contains(rf"\.$|[A-Za-z0-9]_[A-Za-z0-9]|{SENTENCE_INSIDE_RE}") | unit.str.contains(NOTE_START_RE)


def junk_reason(unit: pl.Expr) -> pl.Expr:
    """Why a unit can be neither a title nor an abstract, else null.

    The word-length regex only runs on units longer than the limit: abstracts
    of ordinary length skip it.
    """
    long_word = pl.when(unit.str.len_chars() > MAX_WORD_CHARS).then(unit).str.contains(rf"\S{{{MAX_WORD_CHARS + 1}}}")
    return (
        pl.when(long_word.fill_null(False))
        .then(pl.format("no white space in a line of {} characters: neither a title nor an abstract", unit.str.len_chars()))
        .when(unit.str.contains(CONTROL_RE)).then(pl.lit("control characters: neither a title nor an abstract"))
    )


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


def overlaps(a: str, b: str, min_jaccard: float = MIN_JACCARD) -> pl.Expr:
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
            | (shared >= min_jaccard * union) & (union > 0)
        )
    ).fill_null(False)




def _classify(content: pl.DataFrame, block: pl.Expr | None) -> pl.DataFrame:
    """Add ``kind`` (``N``, ``T``, ``W``, ``X``, ``B``; see the module doc) and ``junk`` (why an ``X``)."""
    is_block = block if block is not None else pl.lit(False)
    kinds = content.with_columns(is_block.alias("is_block"), junk_reason(pl.col("unit")).alias("junk"),
                                 is_one_line(pl.col("unit")).alias("one_line"))
    # Right after an annotation block comes the next title, whatever its case or punctuation.
    after_block = _step("is_block", 1).fill_null(False) & ~pl.col("is_block") & pl.col("one_line")
    kinds = _on_rows(kinds.with_columns(after_block.alias("after_block")), pl.col("one_line"),
                     is_title_shaped(pl.col("unit")), "shaped")
    kinds = kinds.with_columns(
        pl.when(pl.col("is_block")).then(pl.lit("B")).when(pl.col("junk").is_not_null()).then(pl.lit("X"))
        .when(pl.col("shaped") | pl.col("after_block")).then(pl.lit("T")).otherwise(pl.lit("N")).alias("kind")
    ).drop("is_block", "shaped")
    kinds = _on_rows(kinds, pl.col("kind") == "T", is_weak(pl.col("unit")), "weak")
    weak = pl.col("weak") & ~pl.col("after_block")
    # A title-like unit repeating the title above it is that entry's summary for certain:
    # it counts as an abstract for its neighbours too.
    pair = (pl.col("kind") == "T") & (_step("kind", 1) == "T")
    repeat = pair & (pl.when(pair).then(pl.col("unit").str.to_lowercase()) == _step("unit", 1).str.to_lowercase())
    return kinds.with_columns(
        pl.when(repeat).then(pl.lit("N")).when(weak).then(pl.lit("W")).otherwise(pl.col("kind")).alias("kind")
    ).drop("weak")


def _on_rows(frame: pl.DataFrame, where: pl.Expr, expr: pl.Expr, name: str) -> pl.DataFrame:
    """Add column ``name``: ``expr`` on the rows where ``where`` holds, False on the others.

    The rows are filtered first, then joined back by (doc_id, unit_no): a
    ``when(where).then(...)`` mask would still run the regular expressions over
    every abstract's bytes.
    """
    keys = ["doc_id", "unit_no"]
    part = frame.filter(where).select(*keys, expr.alias(name))
    return frame.join(part, on=keys, how="left", maintain_order="left").with_columns(pl.col(name).fill_null(False))


def _step(col: str, by: int) -> pl.Expr:
    """Column ``col`` of the unit ``by`` places before (after, when negative) in the same page.

    Units are in page order, pages one after another: a plain shift masked at
    page boundaries, cheaper than a window per page.
    """
    return pl.when(pl.col("doc_id").shift(by) == pl.col("doc_id")).then(pl.col(col).shift(by))


def _with_shapes(kinds: pl.DataFrame) -> pl.DataFrame:
    """Shape features of the title-shaped units (null elsewhere) and of their two neighbours."""
    t = kinds.filter(pl.col("kind").is_in(["T", "W"]))
    t = shape_features(t).with_columns(
        is_strong_title(pl.col("unit")).alias("strong"), pl.col("unit").str.contains(NAMED_TITLE_RE).alias("named"),
        pl.col("unit").str.count_matches(r"\p{L}\S*").alias("n_words"),
    )
    features = ["norm", "name", "tokens", "strong", "named", "n_words"]
    kinds = kinds.join(t.select("doc_id", "unit_no", *features), on=["doc_id", "unit_no"], how="left", maintain_order="left")
    return kinds.with_columns(  # one_line: from _classify
        *[_step(c, 1).alias(f"prev_{c}") for c in ("kind", "norm", "name", "tokens")],
        *[_step(c, -1).alias(f"next_{c}") for c in ("kind", "norm", "name", "tokens", "n_words", "one_line")],
    )


def _runs(kinds: pl.DataFrame) -> pl.DataFrame:
    """Number the runs of ``T``/``W``/``X`` units between anchors and pick each run's title ``c``.

    Followed by an abstract (``N``), the run's title is its last ``T`` unit that
    does not merely repeat the one before it (else its last ``W``, else ``X``):
    the abstract goes with the nearest title, and a note loses to a title-shaped
    neighbour. Followed by a block, it is the run's first unit. At the end of the
    page no unit takes an abstract.
    """
    in_run = pl.col("kind").is_in(["T", "W", "X"])
    start = in_run & ~pl.col("prev_kind").is_in(["T", "W", "X"]).fill_null(False)
    padded, prev_padded = pl.lit(" ") + pl.col("norm") + pl.lit(" "), pl.lit(" ") + pl.col("prev_norm") + pl.lit(" ")
    contains_prev = (padded.str.contains(prev_padded, literal=True) | prev_padded.str.contains(padded, literal=True)).fill_null(False)
    # Before a one-line note (not an abstract), a unit naming the same paper as the title above,
    # sharing most of its words, or a short phrase ("ICLR 2026", "code agent") is its summary.
    note_follows = pl.col("next_one_line").last().over("run").fill_null(False)
    phrase = (pl.col("n_words") <= SHORT_SUMMARY_WORDS) & ~(pl.col("strong") & (pl.col("n_words") >= 2))
    summary = contains_prev | note_follows & (overlaps("", "prev_", NOTE_JACCARD) | phrase)
    pref = (
        pl.when((pl.col("kind") == "T") & ~((pl.col("prev_kind") == "T") & summary)).then(3)
        .when(pl.col("kind") == "W").then(2).when(pl.col("kind") == "X").then(1).otherwise(0)
    )
    # Run numbers run across pages (a run never spans two: a page's first unit starts one).
    runs = kinds.with_columns(pl.when(in_run).then(start.cast(pl.Int32).cum_sum()).alias("run"))
    runs = runs.with_columns(pref.alias("pref"))
    by_run = "run"
    follows = pl.col("next_kind").last().over(by_run).fill_null("E")
    best = pl.col("pref").max().over(by_run)
    c_no = (
        # A note-like unit becomes a title only before a real abstract, not before another note; an
        # unusable title (``X``) before its abstract stays a title, so that the abstract is rejected with it.
        pl.when(follows == "N").then(
            pl.when((pl.col("pref") == best) & (best.is_in([1, 3]) | (best == 2) & ~note_follows))
            .then(pl.col("unit_no")).max().over(by_run)
        )
        .when(follows == "B").then(pl.col("unit_no").min().over(by_run))
    )
    return runs.with_columns(pl.when(in_run).then(c_no).alias("c_no"))


def _prefix_evidence(runs: pl.DataFrame) -> pl.DataFrame:
    """What the units before a run's title say about themselves and their neighbours (see ``_prefix_role``).

    Computed once, so that settling the roles in rounds costs only cheap comparisons.
    """
    phrase = pl.col("n_words") <= SHORT_SUMMARY_WORDS
    # "Audio Foundation Models" after a title: its summary, or a short title whose abstract is missing too.
    short_title = pl.col("strong") & phrase & (pl.col("n_words") >= 2)
    next_is_summary = (
        (pl.col("next_kind") == "W") | (pl.col("next_kind") == "T") & (pl.col("next_n_words") <= SHORT_SUMMARY_WORDS)
    ).fill_null(False) & (pl.col("unit_no") + 1 < pl.col("c_no").fill_null(2**62))
    shared = pl.col("tokens").list.set_intersection(pl.col("prev_tokens")).list.len().fill_null(0)
    return runs.with_columns(
        (overlaps("", "prev_") | phrase & ~short_title).fill_null(False).alias("summary_of_prev"),
        # A title of its own shares no word with the title above; a named one ("LATTICE: ...") at most one.
        (pl.col("strong") & ~phrase & ((shared == 0) | pl.col("named") & (shared < SUMMARY_SHARED_WORDS))).fill_null(False)
        .alias("own_title"),
        (pl.col("strong") | pl.col("after_block") | pl.col("prev_kind").is_null() | overlaps("", "next_") | next_is_summary)
        .fill_null(False).alias("vouched"),
    )


def _prefix_role(prev_role: pl.Expr) -> pl.Expr:
    """Role of a ``T`` unit before its run's title (or in a run no abstract follows), given the role of the unit before it.

    After a title comes its summary: a title-shaped unit there is that summary
    when it repeats the title or is a short phrase ("ICLR 2026"); a longer one
    is a title of its own (with no abstract) only when strongly title-shaped
    and sharing no word with the title above, else it is uncertain (real
    summaries can be whole titles of a related work).
    Where no entry is open, a strong title loads with no abstract; a weaker one
    loads only when the page's structure vouches for it (first on the page,
    after a block, followed by its summary phrase).
    """
    after_t = (pl.col("prev_kind") == "T") & prev_role.is_not_null()
    after_title = after_t & (prev_role == "title")
    return (
        pl.when(after_title & pl.col("summary_of_prev")).then(pl.lit("attach"))
        .when(after_t & pl.col("own_title")).then(pl.lit("title"))
        .when(after_t).then(pl.lit("unpaired"))
        .when(pl.col("vouched")).then(pl.lit("title"))
        .otherwise(pl.lit("unpaired"))
    )


def assign_roles(content: pl.DataFrame, block: pl.Expr | None = None) -> pl.DataFrame:
    """Give each content unit (``doc_id``, ``unit``, in page order) a ``role``.

    Roles: ``title``, ``attach`` (abstract, summary or comment of the entry
    above), ``block`` (annotation block of the entry above), ``unpaired`` and
    ``junk`` (an ``X`` unit, with its reason in ``junk``). Adds ``entry`` (0
    before the first title), ``position`` (page order of titles and rejected
    units) and ``title_shaped`` (an attached unit shaped like a title: a
    summary kept with a field issue).
    """
    kinds = _runs(_with_shapes(_classify(content, block)))
    kind, c_no, no = pl.col("kind"), pl.col("c_no"), pl.col("unit_no")
    fixed = (
        pl.when(kind == "N").then(pl.lit("attach")).when(kind == "B").then(pl.lit("block"))
        .when(no == c_no).then(pl.lit("title")).when(kind == "X").then(pl.lit("junk"))
        .when((no > c_no) | (kind == "W")).then(pl.lit("attach"))
    )
    roles = kinds.with_columns(fixed.alias("role"))
    # Left: the title-shaped units before their run's title, a few per page, decided on their own.
    # A unit's role depends on the one before it (the row before, when that is one of them too):
    # two rounds settle runs of up to three. (rechunk: list set operations on a filtered frame can panic in polars.)
    prefix = _prefix_evidence(roles.filter(pl.col("role").is_null()).rechunk()).with_columns(_prefix_role(pl.lit(None)).alias("role"))
    for _ in range(2):
        prefix = prefix.with_columns(_prefix_role(_step("role", 1)).alias("role"))
    roles = roles.join(
        prefix.select("doc_id", "unit_no", pl.col("role").alias("prefix_role")), on=["doc_id", "unit_no"], how="left", maintain_order="left"
    ).with_columns(pl.coalesce("role", "prefix_role").alias("role"))
    # Text under an unplaceable unit (or above the first title) has no entry it surely belongs to.
    anchor = pl.when(pl.col("role").is_in(["title", "unpaired"])).then(pl.col("role")).forward_fill().over("doc_id")
    roles = roles.with_columns(
        pl.when(pl.col("role").is_in(["attach", "block"]) & (anchor != "title").fill_null(True))
        .then(pl.lit("unpaired")).otherwise(pl.col("role")).alias("role")
    ).with_columns((pl.col("role") == "title").cast(pl.Int32).cum_sum().over("doc_id").alias("entry"))
    # A second block of one entry has no entry to belong to.
    extra_block = (pl.col("role") == "block") & (pl.col("role") == "block").cast(pl.Int32).cum_sum().over("doc_id", "entry").gt(1)
    roles = roles.with_columns(pl.when(extra_block).then(pl.lit("unpaired")).otherwise(pl.col("role")).alias("role"))
    return roles.with_columns(
        pl.col("role").is_in(["title", "unpaired", "junk"]).cast(pl.Int32).cum_sum().over("doc_id").alias("position"),
        ((pl.col("role") == "attach") & (kind == "T")).alias("title_shaped"),
    ).select(*content.columns, "role", "entry", "position", "junk", "title_shaped")
