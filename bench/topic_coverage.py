"""Topic coverage of the seed taxonomy on real daily-paper JSON files.

``python -m bench.topic_coverage [dir]`` (default ``../shared/real/hf_api``)
reads every ``*.json`` of the daily papers API, keeps one text per arXiv id
(its most recent entry, as ``marts.paper_topics`` keeps a paper's most recent
text) and matches the seeds' rules the way dbt does: each topic's rules joined
as ``(?:a)|(?:b)`` (``int_topic_rules``) and applied with DuckDB's
``regexp_matches(title || chr(10) || abstract, pattern, 'i')``
(``int_text_topics``). Patterns and texts travel as query parameters, never
pasted into SQL. Prints coverage, the share of papers per topic and the
largest topic, so a taxonomy change can be judged before it ships.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import duckdb

from pipeline.dbt_macros import render_macro
from pipeline.settings import DBT_PROJECT_DIR, PROJECT_ROOT

SEEDS = DBT_PROJECT_DIR / "seeds"
DEFAULT_DIR = PROJECT_ROOT.parent / "shared" / "real" / "hf_api"
# Targets of the taxonomy on the real data (issue 11).
MIN_COVERAGE, MAX_TOPIC_SHARE = 0.92, 0.35


def topic_patterns(con: duckdb.DuckDBPyConnection, seeds: Path = SEEDS) -> list[tuple[str, str]]:
    """One combined pattern per topic, built as ``int_topic_rules`` builds it."""
    return con.execute(
        "select topic_id, " + render_macro("topic_alternation", "pattern", "pattern") + """
        from read_csv(?, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                      columns = {'topic_id': 'varchar', 'pattern': 'varchar'})
        group by topic_id
        order by topic_id
        """,
        [str(seeds / "topic_rules.csv")],
    ).fetchall()


def load_texts(con: duckdb.DuckDBPyConnection, rows: Iterable[tuple[str, str, str | None]]) -> None:
    """Create table ``texts(paper_id, title, text)`` from (id, title, abstract) rows."""
    con.execute("create or replace table texts (paper_id varchar, title varchar, abstract varchar)")
    con.executemany("insert into texts values (?, ?, ?)", list(rows))
    con.execute("create or replace table texts as "
                "select paper_id, title, title || chr(10) || coalesce(abstract, '') as text from texts")


def load_api_dir(con: duckdb.DuckDBPyConnection, directory: Path) -> None:
    """Create ``texts`` from API files: the latest entry of each arXiv id (file name, then position)."""
    # white space stripped at both ends, as the ingest's str.strip_chars() does
    con.execute("create or replace temp macro strip(s) as regexp_replace(s, '^\\s+|\\s+$', '', 'g')")
    con.execute(
        """
        create or replace table texts as
        with items as (
            select filename, unnest(j) as item
            from read_json(?, format = 'unstructured', filename = true) as t(j)
        ),
        entries as (
            select
                filename,
                row_number() over (partition by filename) as position,
                regexp_replace(strip(item -> 'paper' ->> 'id'), '^arxiv:\\s*', '', 'i') as paper_id,
                strip(coalesce(item -> 'paper' ->> 'title', item ->> 'title')) as title,
                coalesce(strip(item -> 'paper' ->> 'summary'), '') as abstract
            from items
        )
        select
            paper_id,
            arg_max(title, (filename, position)) as title,
            arg_max(title || chr(10) || abstract, (filename, position)) as text
        from entries
        where paper_id is not null
        group by paper_id
        """,
        [str(directory / "*.json")],
    )


def match(con: duckdb.DuckDBPyConnection, patterns: list[tuple[str, str]]) -> None:
    """Create ``matches(paper_id, topic_id)``: one query per topic, its pattern a parameter."""
    con.execute("create or replace table matches (paper_id varchar, topic_id varchar)")
    for topic_id, pattern in patterns:
        con.execute(
            "insert into matches select paper_id, ? from texts where regexp_matches(text, ?, 'i')",
            [topic_id, pattern],
        )


def assign(rows: Iterable[tuple[str, str, str | None]], seeds: Path = SEEDS) -> dict[str, set[str]]:
    """Topics of each (id, title, abstract) row under the seeds' rules (used by the tests)."""
    con = duckdb.connect()
    load_texts(con, rows)
    match(con, topic_patterns(con, seeds))
    got: dict[str, set[str]] = {pid: set() for (pid,) in con.execute("select paper_id from texts").fetchall()}
    for pid, topics in con.execute("select paper_id, list(topic_id) from matches group by 1").fetchall():
        got[pid] = set(topics)
    return got


def report(con: duckdb.DuckDBPyConnection, show_uncovered: int = 0) -> tuple[float, str, float]:
    """Print coverage and the per-topic table; return (coverage, largest topic, its share)."""
    ((n_papers,),) = con.execute("select count(*) from texts").fetchall()
    ((n_covered,),) = con.execute("select count(distinct paper_id) from matches").fetchall()
    shares = con.execute(
        "select topic_id, count(distinct paper_id) as n from matches group by 1 order by n desc, topic_id"
    ).fetchall()
    coverage = n_covered / n_papers if n_papers else 0.0
    print(f"papers (distinct arXiv ids): {n_papers}")
    print(f"covered by at least one topic: {n_covered} ({coverage:.1%}; target >= {MIN_COVERAGE:.0%})")
    ((mean_topics,),) = con.execute(
        "select coalesce(avg(n), 0) from (select count(*) as n from matches group by paper_id)"
    ).fetchall()
    print(f"topics per covered paper: {mean_topics:.2f}")
    print(f"\n{'topic_id':34} {'papers':>6} {'share':>7}")
    for topic_id, n in shares:
        print(f"{topic_id:34} {n:6d} {n / n_papers:7.1%}")
    top, top_n = shares[0] if shares else ("-", 0)
    top_share = top_n / n_papers if n_papers else 0.0
    print(f"\nlargest topic: {top} {top_share:.1%} (target <= {MAX_TOPIC_SHARE:.0%})")
    if show_uncovered:
        rows = con.execute(
            "select paper_id, title from texts anti join matches using (paper_id) order by paper_id limit ?",
            [show_uncovered],
        ).fetchall()
        print(f"\nuncovered (first {len(rows)}):")
        for pid, title in rows:
            print(f"  {pid}  {title}")
    return coverage, top, top_share


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR, help="folder of daily papers API *.json")
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="folder with topic_rules.csv")
    parser.add_argument("--show-uncovered", type=int, default=0, metavar="N", help="list N uncovered papers")
    args = parser.parse_args(argv)
    if not any(args.dir.glob("*.json")):
        print(f"no *.json in {args.dir}", file=sys.stderr)
        return 2
    con = duckdb.connect()
    load_api_dir(con, args.dir)
    match(con, topic_patterns(con, args.seeds))
    coverage, _, top_share = report(con, args.show_uncovered)
    return 0 if coverage >= MIN_COVERAGE and top_share <= MAX_TOPIC_SHARE else 1


if __name__ == "__main__":
    sys.exit(main())
