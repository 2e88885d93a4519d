"""English frequency of every one-word term of the corpus (wordfreq's zipf scale), for term_trends.

wordfreq (PyPI, maintained, pinned in uv.lock) blends Wikipedia, subtitles,
news, books, web text and social media, so its zipf frequency measures how
common a word is in general English, not in ML papers: "level" 5.4, "system"
5.6, "harness" 3.7, "distillation" 3.0, "opd" 2.2. Looked up here, in dbt, for
the corpus' own vocabulary only and incrementally (a word is looked up once),
so there is no list of English words to ship or to keep in step, and the
lookup follows the corpus into later months. Hyphenated compounds and
phrases are not looked up: only a single plain word can be a common word.
"""

from __future__ import annotations

import pyarrow as pa


def model(dbt, session):
    """One row per one-word term: word, zipf (0 when wordfreq does not know it)."""
    dbt.config(materialized="incremental", unique_key="word")
    words = dbt.ref("int_paper_terms").filter("not contains(term, ' ') and not contains(term, '-')")
    words = words.project("term AS word").distinct()
    if dbt.is_incremental:
        words = words.filter(f"word NOT IN (SELECT word FROM {dbt.this})")
    new = [row[0] for row in words.fetchall()]
    zipf = []
    if new:  # wordfreq is imported only when there is a word to look up (its import costs ~0.2-0.3 s)
        from wordfreq import zipf_frequency

        # one lookup per new word (a dict lookup each in wordfreq; ~20k words take 0.2 s)
        zipf = [zipf_frequency(w, "en") for w in new]
    return pa.table({"word": pa.array(new, pa.string()), "zipf": pa.array(zipf, pa.float64())})
