"""Trend report (self-contained HTML) and the ``make run`` summary.

Both read only the published analytics file, read-only: what the report shows
is exactly what analysts can query. Charts are drawn with matplotlib on bare
``Figure`` objects (no pyplot, so no global backend state) and inlined as SVG
with text kept as text; the page references nothing outside itself, so it
opens offline and can be mailed as one file.

Drawing is most of the report's time (a chart ~0.05-0.15 s, matplotlib's import
~0.3 s), and most charts of a daily report equal the day before's: the terms'
charts end at the last complete week. So the SVG of each chart is kept in
``<report dir>/.charts/``, named by a hash of what it is drawn from (the draw
function, size and data, this module's source and matplotlib's version), and
reused when the same chart comes again; only the last report's charts are kept.
The page is byte for byte the one a fresh drawing gives.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import duckdb
import jinja2
from markupsafe import Markup

from pipeline.publish import EXAMPLE_PAPERS
from pipeline.settings import DEFAULT_HF_BASE_URL, LakeSettings
from pipeline.warehouse import connect_analytics as _connect  # the published file, or the published lake
from pipeline.delivery import REPORT_NAME, report_marker

TOP_TOPICS = 6  # charts for this many topics by mean weekly share, plus every topic rising now
NEWEST_PAPERS = 5  # newest papers listed per rising topic
TOP_TERMS = 10  # emerging terms listed (and charted) for the last complete week, and monthly risers for its month
ARXIV_ABS_URL = "https://arxiv.org/abs/"  # + arXiv id: a paper's page when its id is known
HF_PAPER_SEARCH_URL = f"{DEFAULT_HF_BASE_URL}/papers?q="  # + title: the HF paper search, for papers without an id
# Report sections by id (ids are kept for tests and bookmarks) with their nav labels, in page order when a topic rises;
# when none does, the emerging terms and the month's risers lead (section_order).
SECTIONS = {"rising": "Rising topics", "newest-papers": "Newest papers", "emerging-terms": "Emerging terms",
            "this-month": "This month", "topic-share": "Topic share", "quality": "Data quality"}
LEAD_WITHOUT_RISING = ("emerging-terms", "this-month")
PER_DAY_SIZE = (10.0, 2.2)  # inches: drawn about as wide as it is shown, so its 8-pt labels read like the other charts
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "papertrends", "font.size": 8}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}  # no RDF block, stable output
SVG_NAMESPACES = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')
SVG_IDS = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')
CHART_CACHE = ".charts"  # in the report dir: the SVGs of the last report's charts, by what they were drawn from

TOP_TOPICS_SQL = """
WITH latest AS (SELECT max(period_start) AS week FROM marts.topic_trends WHERE grain = 'week'),
weekly AS (
    SELECT tr.topic_id, t.label, avg(tr.share) AS mean_share,
           bool_or(tr.is_rising AND tr.period_start = latest.week) AS rising_now
    FROM marts.topic_trends AS tr
    JOIN marts.topics AS t USING (topic_id)
    CROSS JOIN latest
    WHERE tr.grain = 'week'
    GROUP BY tr.topic_id, t.label
)
SELECT topic_id, label, mean_share, rising_now FROM weekly
QUALIFY row_number() OVER (ORDER BY mean_share DESC, topic_id) <= $n OR rising_now
ORDER BY mean_share DESC, topic_id
"""
WEEKLY_SQL = """
SELECT topic_id, period_start, share, is_rising FROM marts.topic_trends
WHERE grain = 'week' AND list_contains($ids, topic_id)
ORDER BY topic_id, period_start
"""
NEWEST_SQL = """
SELECT r.topic_id, p.title, p.first_seen_date, p.n_snapshots, p.max_upvotes, p.arxiv_id
FROM marts.rising_topics_latest AS r
JOIN marts.paper_topics AS pt USING (topic_id)
JOIN marts.papers AS p USING (paper_id)
QUALIFY row_number() OVER (
    PARTITION BY r.topic_id ORDER BY p.first_seen_date DESC, p.max_upvotes DESC NULLS LAST, p.paper_id) <= $n
ORDER BY r.topic_id, p.first_seen_date DESC, p.max_upvotes DESC NULLS LAST, p.paper_id
"""
# one mention per (paper, day): a re-fetched day's versions are one mention each
PER_DAY_SQL = "SELECT snapshot_date, count(DISTINCT paper_id) FROM marts.paper_mentions GROUP BY ALL ORDER BY snapshot_date"
LATEST_WEEK_SQL = "SELECT max(period_start) FROM marts.topic_trends WHERE grain = 'week'"

TERM_WEEKLY_SQL = """
WITH weeks AS (
    -- up to the last complete week, the one the flags are about: the running week's few papers
    -- (3 on the real Tuesday 2026-03-31) would end every line on a 0% or a 67% point
    SELECT period_start, max(n_papers_total) > 0 AS has_data
    FROM marts.topic_trends
    WHERE grain = 'week' AND period_start <= (SELECT week_start FROM marts.last_complete_week)
    GROUP BY period_start
),
terms AS (SELECT unnest($terms::VARCHAR[]) AS term)
SELECT t.term, w.period_start, CASE WHEN w.has_data THEN coalesce(tr.share, 0) END AS share,
       coalesce(tr.is_emerging, false) AS is_emerging
FROM terms AS t
CROSS JOIN weeks AS w
LEFT JOIN marts.term_trends AS tr ON tr.term = t.term AND tr.grain = 'week' AND tr.period_start = w.period_start
ORDER BY t.term, w.period_start
"""
# The example papers of each listed term, newest first (term_papers.recency_rank; DESIGN.md: up to three).
TERM_EXAMPLES_SQL = """
SELECT tp.term, tp.grain, tp.title, tp.arxiv_id, tp.first_seen_date
FROM marts.term_papers AS tp
JOIN marts.emerging_terms_last_week AS v USING (term, grain, period_start)
WHERE tp.recency_rank <= $n
ORDER BY tp.grain, tp.term, tp.recency_rank
"""


def build_report(analytics: Path | LakeSettings, report_dir: Path) -> Path:
    """Write ``trends.html`` (and a copy dated by the newest snapshot) into ``report_dir``."""
    charts = Charts(report_dir / CHART_CACHE)
    with _connect(analytics) as con:
        page = render(con, charts)
        newest = con.execute("SELECT newest_snapshot_date FROM meta").fetchone()[0]
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / REPORT_NAME
    _write(path, page)
    if newest is not None:
        _write(report_dir / f"trends-{newest.isoformat()}.html", page)
    charts.keep_only_used()
    return path


class Charts:
    """Chart SVGs for one report: drawn, or reused from ``directory`` when the same chart was drawn before
    (None: always drawn)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.used: set[str] = set()
        self.drawn = 0

    def svg(self, draw: Callable[[Any, Any], None], data: Any, *, prefix: str,
            size: tuple[float, float] = (3.6, 1.6)) -> str:
        """The chart as an inline ``<svg>`` element whose ids all start with ``prefix``."""
        key = hashlib.sha256(repr((draw.__name__, size, data, _chart_code())).encode()).hexdigest()[:32]
        self.used.add(key)
        svg = self._cached(key)
        if svg is None:
            svg = _draw_svg(draw, data, size)
            self.drawn += 1
            if self.directory is not None:
                self.directory.mkdir(parents=True, exist_ok=True)
                _write(self.directory / f"{key}.svg", svg)
        return SVG_IDS.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", svg).strip()

    def keep_only_used(self) -> None:
        """Delete the kept charts this report did not use, so the directory holds one report's charts."""
        if self.directory is not None and self.directory.is_dir():
            for path in self.directory.glob("*.svg"):
                if path.stem not in self.used:
                    path.unlink(missing_ok=True)

    def _cached(self, key: str) -> str | None:
        if self.directory is None:
            return None
        try:
            return (self.directory / f"{key}.svg").read_text(encoding="utf-8")
        except FileNotFoundError:
            return None


def summary_lines(analytics: Path | LakeSettings) -> list[str]:
    """Snapshots, papers, rejects and the top 5 rising topics, for the terminal."""
    with _connect(analytics) as con:
        meta = _one(con, "SELECT * FROM meta")
        quality = _one(con, "SELECT * FROM meta_quality")
        week = con.execute(LATEST_WEEK_SQL).fetchone()[0]
        rising = _rows(con, "SELECT * FROM marts.rising_topics_latest LIMIT 5")
    lines = [
        f"snapshots : {quality['n_snapshots']} ({_text(quality['oldest_snapshot_date'])} to "
        f"{_text(quality['newest_snapshot_date'])}), {quality['n_rejected_files']} rejected files",
        f"papers    : {meta['rows_papers']} distinct in {quality['n_mentions']} mentions, "
        f"{quality['n_rejected_mentions']} rejected entries",
    ]
    if not rising:
        return [*lines, f"rising    : no topic rising in the week of {_text(week)}"]
    lines.append(f"rising    : top {len(rising)} topics of the week of {_text(week)}")
    for i, r in enumerate(rising, 1):
        lines.append(f"  {i}. {r['label']:<30} share {_pct(r['share']):>6}  growth {_signed_pct(r['growth']):>7}"
                     f"  z {_fixed(r['zscore']):>5}")
    return lines


def top_topics(con: duckdb.DuckDBPyConnection, n: int = TOP_TOPICS) -> list[dict[str, Any]]:
    """The ``n`` topics with the highest mean weekly share, plus any topic rising in the latest week."""
    return _rows(con, TOP_TOPICS_SQL, {"n": n})


def render(con: duckdb.DuckDBPyConnection, charts: Charts | None = None) -> str:
    """The whole page as one string, from ``templates/report.html.j2`` (autoescaped: data text is escaped)."""
    charts = charts or Charts()
    meta = _one(con, "SELECT * FROM meta")
    quality = _one(con, "SELECT * FROM meta_quality")
    rising = _rows(con, "SELECT * FROM marts.rising_topics_latest")
    newest = _rows(con, NEWEST_SQL, {"n": NEWEST_PAPERS})
    entries = (quality["n_mentions"] or 0) + (quality["n_rejected_mentions"] or 0)
    return _template().render(
        title=f"papertrends: topic trends up to {_text(meta['newest_snapshot_date'])}",
        build_marker=Markup(report_marker(meta.get("build_id"))),
        meta=meta,
        quality=quality,
        week=con.execute(LATEST_WEEK_SQL).fetchone()[0],
        rising=rising,
        newest={t["topic_id"]: [p for p in newest if p["topic_id"] == t["topic_id"]] for t in rising},
        top_topics=TOP_TOPICS,
        topic_charts=_topic_charts(con, top_topics(con), charts),
        emerging=_emerging(con, charts),
        sections=SECTIONS,
        section_order=section_order(bool(rising)),
        rejected_share=quality["n_rejected_mentions"] / entries if entries else None,
        drift=_rows(con, "SELECT snapshot_date, file_name, layout, drift_reasons FROM meta_layout_drift "
                         "ORDER BY 1 DESC, 2"),
        per_day_chart=Markup(charts.svg(_mentions_chart, con.execute(PER_DAY_SQL).fetchall(), prefix="perday",
                                        size=PER_DAY_SIZE)),
    )


def _template() -> jinja2.Template:
    """The page template, loaded as package data (so it is found from an installed wheel too)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("pipeline", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(text=_text, pct=_pct, signed_pct=_signed_pct, fixed=_fixed, signed=_signed, paper_url=paper_url,
                       month=_month)
    return env.get_template("report.html.j2")


def _topic_charts(con: duckdb.DuckDBPyConnection, top: list[dict[str, Any]], charts: Charts) -> list[dict[str, Any]]:
    series: dict[str, list[tuple[date, float, bool]]] = {}
    for topic_id, week, share, is_rising in con.execute(WEEKLY_SQL, {"ids": [t["topic_id"] for t in top]}).fetchall():
        # a week without any snapshot has a null share: NaN leaves a gap in the line instead of a fake 0
        series.setdefault(topic_id, []).append((week, float("nan") if share is None else share, bool(is_rising)))
    return [{**topic, "svg": Markup(charts.svg(_share_chart, series.get(topic["topic_id"], []), prefix=f"share{i}"))}
            for i, topic in enumerate(top)]


def section_order(topic_rising: bool) -> list[str]:
    """Section ids in page order: what changed comes first, so terms lead when no topic rises."""
    if topic_rising:
        return list(SECTIONS)
    return [*LEAD_WITHOUT_RISING, *(s for s in SECTIONS if s not in LEAD_WITHOUT_RISING)]


def paper_url(arxiv_id: str | None, title: str) -> str:
    """The arXiv abstract page when the id is known, else the HF paper search for the title."""
    return ARXIV_ABS_URL + quote(arxiv_id) if arxiv_id else HF_PAPER_SEARCH_URL + quote_plus(title)


def _emerging(con: duckdb.DuckDBPyConnection, charts: Charts) -> dict[str, Any]:
    """The emerging terms of the last complete week and the monthly risers of its month, each with its
    weekly share chart and its newest example papers."""
    week, month = con.execute("SELECT week_start, month_start FROM marts.last_complete_week").fetchone()
    terms = _rows(con, "SELECT * FROM marts.emerging_terms_last_week WHERE grain = 'week' LIMIT $n", {"n": TOP_TERMS})
    risers = _rows(con, "SELECT * FROM marts.emerging_terms_last_week WHERE grain = 'month' LIMIT $n", {"n": TOP_TERMS})
    listed = terms + risers
    series: dict[str, list[tuple[date, float, bool]]] = {}
    examples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if listed:
        names = sorted({t["term"] for t in listed})
        for term, period, share, flagged in con.execute(TERM_WEEKLY_SQL, {"terms": names}).fetchall():
            series.setdefault(term, []).append((period, float("nan") if share is None else share, bool(flagged)))
        for paper in _rows(con, TERM_EXAMPLES_SQL, {"n": EXAMPLE_PAPERS}):
            examples.setdefault((paper["grain"], paper["term"]), []).append(paper)
    for i, term in enumerate(listed):
        term["svg"] = Markup(charts.svg(_share_chart, series.get(term["term"], []), prefix=f"term{i}", size=(3.0, 1.4)))
        term["examples"] = examples.get((term["grain"], term["term"]), [])
    return {"week": week, "month": month, "terms": terms, "month_terms": risers, "top": TOP_TERMS,
            "n_examples": EXAMPLE_PAPERS}


def _share_chart(fig: Any, points: list[tuple[date, float, bool]]) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax = fig.subplots()
    weeks = [p[0] for p in points]
    ax.plot(weeks, [p[1] for p in points], color="#2c6fbb", marker="o", markersize=3)
    hot = [p for p in points if p[2]]
    ax.plot([p[0] for p in hot], [p[1] for p in hot], linestyle="none", marker="o", markersize=6, color="#c0392b")
    ax.margins(y=0.12)  # room above the highest (often flagged, large) point
    if len(set(weeks)) == 1:  # one week of history: a two-week window, not a date range of zero length
        ax.set_xlim(weeks[0] - timedelta(days=7), weeks[0] + timedelta(days=7))
    ax.set_ylim(bottom=0)
    # ticks at 1-2-5 steps (no 7.5% printed as "8%"), each with the decimals it needs (2.5%, 10%)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda share, _: f"{100 * share:.3g}%"))
    locator = AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)


def _mentions_chart(fig: Any, per_day: list[tuple[date, int]]) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import MaxNLocator

    ax = fig.subplots()
    # one filled step path, not a bar per day: 2,000 days drew 2,000 patches (2.7 s, 410 KB of SVG)
    ax.fill_between([d for d, _ in per_day], [n for _, n in per_day], step="mid", color="#7f8c8d", linewidth=0)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # entries are counted: no 0.5 ticks
    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(axis="y", alpha=0.3)


def _draw_svg(draw: Callable[[Any, Any], None], data: Any, size: tuple[float, float]) -> str:
    """Draw a chart with matplotlib as an ``<svg>`` element for inlining (ids not yet prefixed).

    The XML prolog and namespace declarations are dropped (HTML implies them
    for inline SVG); ``Charts.svg`` then prefixes every id so that several
    charts in one page do not share ids.
    """
    import matplotlib
    from matplotlib.figure import Figure

    buf = io.StringIO()
    with matplotlib.rc_context(SVG_RC):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig, data)
        fig.savefig(buf, format="svg", metadata=SVG_METADATA)
    svg = buf.getvalue()
    return SVG_NAMESPACES.sub("", svg[svg.index("<svg"):]).replace('xlink:href="#', 'href="#')


@cache
def _chart_code() -> str:
    """What a chart's drawing depends on besides its data: this module's source and matplotlib's version."""
    return hashlib.sha256(Path(__file__).read_bytes() + version("matplotlib").encode()).hexdigest()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    return _rows(con, sql)[0]


def _write(path: Path, text: str) -> None:
    """Replace the file in one rename, so a browser never loads half a report."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _text(value: Any) -> str:
    if value is None:
        return "–"
    return value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "hour") else str(value)


def _month(value: date | None) -> str:
    return "–" if value is None else value.strftime("%B %Y")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _signed_pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}%"


def _fixed(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _signed(value: int | None) -> str:
    return "–" if value is None else f"{value:+d}"
