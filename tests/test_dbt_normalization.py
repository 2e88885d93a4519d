"""The title key of int_title_keys against Python's own Unicode tables.

DuckDB has no NFKC, so the dbt macros emulate it (nfc_normalize plus the
compatibility table of macros/unicode_compat_map.sql). Here the macros are
rendered with plain Jinja and run in DuckDB on every character of the covered
Unicode blocks and on LaTeX spellings, and compared with the reference rule
computed by ``unicodedata``. No dbt run is needed.
"""

from __future__ import annotations

import re
import unicodedata

import duckdb
import jinja2
import polars as pl
import pytest

from pipeline.settings import DBT_PROJECT_DIR

# The blocks the compatibility table covers (see the macro's header).
COVERED_BLOCKS = [
    (0x00A0, 0x02FF), (0x0370, 0x03FF), (0x1D00, 0x1DBF), (0x1E00, 0x1EFF), (0x2000, 0x2BFF),
    (0x3000, 0x3000), (0xFB00, 0xFB06), (0xFE50, 0xFE6F), (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF),
    (0x1F100, 0x1F1FF),
]


def reference_key(title: str) -> str:
    """The documented rule on Unicode text: NFKC, case fold, NFC, keep letters/digits/marks."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", title).casefold())
    kept = "".join(ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in folded)
    return re.sub(" +", " ", kept).strip() or title


@pytest.fixture(scope="module")
def sql_keys():
    """A function mapping titles to keys with the dbt macro, evaluated by DuckDB."""
    # only the key's macro files: others use dbt's own tags ({% materialization %}, {% do %}) that plain Jinja lacks
    source = "".join((DBT_PROJECT_DIR / "macros" / name).read_text(encoding="utf-8")
                     for name in ("title_normalization.sql", "unicode_compat_map.sql"))
    expression = jinja2.Environment().from_string(source + "{{ normalized_title_key('title') }}").render()

    def keys(titles: list[str]) -> list[str]:
        with duckdb.connect() as con:
            con.register("titles", pl.DataFrame({"i": range(len(titles)), "title": titles}).to_arrow())
            return [row[0] for row in con.execute(f"SELECT {expression} FROM titles ORDER BY i").fetchall()]  # noqa: S608

    return keys


def test_every_character_of_the_covered_blocks_folds_like_nfkc(sql_keys):
    chars = [chr(cp) for lo, hi in COVERED_BLOCKS for cp in range(lo, hi + 1)
             if unicodedata.category(chr(cp)) not in ("Cn", "Cc", "Cs", "Co")]
    titles = [f"x{ch}y" for ch in chars]
    mismatches = [(f"U+{ord(ch):04X}", got, reference_key(t))
                  for ch, t, got in zip(chars, titles, sql_keys(titles), strict=True) if got != reference_key(t)]
    assert len(chars) > 5000
    assert mismatches == []


@pytest.mark.parametrize(
    ("latex", "unicode"),
    [
        (r"Schr\"{o}dinger Bridges", "Schrödinger Bridges"),
        (r"Schr{\"o}dinger Bridges", "Schrödinger Bridges"),
        (r"A na\"{\i}ve Approach", "A naïve Approach"),
        (r"\'Ecole and \`a la carte", "École and à la carte"),
        (r"\^{o}, \~n, \=a, \.z", "ô, ñ, ā, ż"),
        (r"\c{c}a, \v{s}, \u{g}, \H{o}, \k{a}, \r{u}", "ça, š, ğ, ő, ą, ů"),
        (r"Erd\H{o}s and \L\'od\'z", "Erdős and Łódź"),
        (r"Stra\ss e, \o re, \AA ngstr\"om, \ae on", "Straße, øre, Ångström, æon"),
        (r"Graphs \& Sets: 50\% of \$1 \#2 a\_b", "Graphs & Sets: 50% of $1 #2 a_b"),
        (r"{BERT}: the {B}ig {M}odel", "BERT: the Big Model"),
        ("``Quoted'' -- Title --- Here", "\u201cQuoted\u201d \u2013 Title \u2014 Here"),
    ],
)
def test_latex_escapes_key_like_the_characters_they_spell(sql_keys, latex, unicode):
    assert sql_keys([latex]) == [reference_key(unicode)]


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Attention Is All You Need", "attention is all you need"),
        ("  ATTENTION is all-you\u00a0need!!  ", "attention is all you need"),
        ("Eﬃcient ＬＬＭｓ² \u2014 Ⅱ", "efficient llms2 ii"),
        ("Cafe\u0301 Cr\u00e8me", "café crème"),
        ("X 3.0 vs X-3.1", "x 3 0 vs x 3 1"),
        ("???", "???"),
    ],
)
def test_title_keys(sql_keys, title, key):
    assert sql_keys([title]) == [key]
