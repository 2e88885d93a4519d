"""Trend report (self-contained HTML) and the ``make run`` summary.

Both read only the published analytics file, read-only: what the report shows
is exactly what analysts can query. Charts are drawn with matplotlib on bare
``Figure`` objects (no pyplot, so no global backend state) and inlined as SVG
with text kept as text; the page references nothing outside itself, so it
opens offline and can be mailed as one file.
"""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

TOP_TOPICS = 6  # charts for this many topics by mean weekly share, plus every topic rising now
NEWEST_PAPERS = 5  # newest papers listed per rising topic
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "papertrends", "font.size": 8}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}  # no RDF block, stable output
SVG_NAMESPACES = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')
SVG_IDS = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')

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
PER_DAY_SQL = "SELECT snapshot_date, count(*) FROM marts.paper_mentions GROUP BY ALL ORDER BY snapshot_date"
LATEST_WEEK_SQL = "SELECT max(period_start) FROM marts.topic_trends WHERE grain = 'week'"

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; } .muted { color: #666; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 1rem; }
figure { margin: 0; } figure svg { width: 100%; height: auto; }
figcaption { font-weight: 600; } .rising { color: #c0392b; }
"""


def build_report(analytics: Path, report_dir: Path) -> Path:
    """Write ``trends.html`` (and a copy dated by the newest snapshot) into ``report_dir``."""
    with _connect(analytics) as con:
        page = render(con)
        newest = con.execute("SELECT newest_snapshot_date FROM meta").fetchone()[0]
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / "trends.html"
    _write(path, page)
    if newest is not None:
        _write(report_dir / f"trends-{newest.isoformat()}.html", page)
    return path


def summary_lines(analytics: Path) -> list[str]:
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


def render(con: duckdb.DuckDBPyConnection) -> str:
    """The whole page as one string; every piece of data text goes through ``html.escape``."""
    meta = _one(con, "SELECT * FROM meta")
    quality = _one(con, "SELECT * FROM meta_quality")
    week = con.execute(LATEST_WEEK_SQL).fetchone()[0]
    rising = _rows(con, "SELECT * FROM marts.rising_topics_latest")
    sections = [
        _rising_section(rising, week),
        _newest_section(_rows(con, NEWEST_SQL, {"n": NEWEST_PAPERS}), rising),
        _share_section(con, top_topics(con)),
        _quality_section(con, meta, quality),
    ]
    title = f"papertrends: topic trends up to {_text(meta['newest_snapshot_date'])}"
    nav = " · ".join(f'<a href="#{s}">{label}</a>' for s, label in (
        ("rising", "Rising topics"), ("newest-papers", "Newest papers"),
        ("topic-share", "Topic share"), ("quality", "Data quality")))
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
        f"<header><h1>{_esc(title)}</h1>",
        f'<p class="muted">Published {_esc(_text(meta["refreshed_at"]))} UTC by pipeline '
        f'{_esc(meta["pipeline_version"])}; {meta["rows_papers"]} distinct papers.</p>',
        f"<nav>{nav}</nav></header>", "<main>", *sections, "</main>", "</body>", "</html>", "",
    ])


def _rising_section(rising: list[dict[str, Any]], week: date | None) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("Topic", "Share", "Papers (prev.)", "Growth", "z-score",
                                             "Rank (change)", "Why"))
    rows = [
        "<tr>"
        f"<td>{_esc(r['label'])}</td><td class=\"num\">{_pct(r['share'])}</td>"
        f"<td class=\"num\">{r['n_papers']} ({_text(r['prev_n_papers'])})</td>"
        f"<td class=\"num\">{_signed_pct(r['growth'])}</td><td class=\"num\">{_fixed(r['zscore'])}</td>"
        f"<td class=\"num\">{r['rank']} ({_signed(r['rank_change'])})</td><td>{_esc(_text(r['rising_reason']))}</td>"
        "</tr>"
        for r in rising
    ] or ['<tr><td colspan="7">No topic is rising this week.</td></tr>']
    return "\n".join([
        '<section id="rising">', f"<h2>Rising topics, week of {_esc(_text(week))}</h2>",
        '<table id="rising-topics">', f"<thead><tr>{head}</tr></thead>", "<tbody>", *rows, "</tbody>", "</table>",
        '<p class="muted">Growth compares with the previous week (smoothed); the z-score compares the share with '
        "the topic's trailing baseline (see the dbt docs of marts.topic_trends).</p>",
        "</section>",
    ])


def _newest_section(papers: list[dict[str, Any]], rising: list[dict[str, Any]]) -> str:
    parts = ['<section id="newest-papers">', "<h2>Newest papers per rising topic</h2>"]
    for topic in rising:
        items = [
            f"<li>{_esc(p['title'])} <span class=\"muted\">first seen {_text(p['first_seen_date'])}, "
            f"on {p['n_snapshots']} day(s), {_text(p['max_upvotes'])} upvotes"
            f"{', arXiv ' + _esc(p['arxiv_id']) if p['arxiv_id'] else ''}</span></li>"
            for p in papers if p["topic_id"] == topic["topic_id"]
        ]
        parts += [f"<h3>{_esc(topic['label'])}</h3>", "<ol>", *items, "</ol>"]
    if not rising:
        parts.append("<p>No topic is rising this week.</p>")
    return "\n".join([*parts, "</section>"])


def _share_section(con: duckdb.DuckDBPyConnection, top: list[dict[str, Any]]) -> str:
    series: dict[str, list[tuple[date, float, bool]]] = {}
    for topic_id, week, share, is_rising in con.execute(WEEKLY_SQL, {"ids": [t["topic_id"] for t in top]}).fetchall():
        # a week without any snapshot has a null share: NaN leaves a gap in the line instead of a fake 0
        series.setdefault(topic_id, []).append((week, float("nan") if share is None else share, bool(is_rising)))
    figures = []
    for i, topic in enumerate(top):
        points = series.get(topic["topic_id"], [])
        flag = ' <span class="rising">rising this week</span>' if topic["rising_now"] else ""
        figures.append(
            f'<figure data-topic="{_esc(topic["topic_id"])}">{_svg(_share_chart, points, prefix=f"share{i}")}'
            f"<figcaption>{_esc(topic['label'])}{flag}</figcaption></figure>"
        )
    return "\n".join([
        '<section id="topic-share">', "<h2>Weekly share of the top topics</h2>",
        f'<p class="muted">Share of the distinct papers mentioned each week (ISO weeks); the {TOP_TOPICS} topics '
        "with the highest mean share, plus any topic rising this week. Red points: weeks flagged rising.</p>",
        '<div class="charts">', *figures, "</div>", "</section>",
    ])


def _quality_section(con: duckdb.DuckDBPyConnection, meta: dict[str, Any], quality: dict[str, Any]) -> str:
    entries = (quality["n_mentions"] or 0) + (quality["n_rejected_mentions"] or 0)
    rejected_share = quality["n_rejected_mentions"] / entries if entries else None
    figures = [
        ("Snapshots loaded", quality["n_snapshots"]),
        ("Snapshot dates", f"{_text(quality['oldest_snapshot_date'])} to {_text(quality['newest_snapshot_date'])}"),
        ("Entries loaded (mentions)", quality["n_mentions"]),
        ("Distinct papers", meta["rows_papers"]),
        ("Rejected files", quality["n_rejected_files"]),
        ("Rejected entries", f"{quality['n_rejected_mentions']} ({_pct(rejected_share)} of all entries)"),
        ("Field issues (loaded, field set null)", quality["n_field_issues"]),
    ]
    rows = [f"<tr><th>{name}</th><td>{_esc(_text(value))}</td></tr>" for name, value in figures]
    per_day = con.execute(PER_DAY_SQL).fetchall()
    drift = con.execute("SELECT snapshot_date, file_name, layout, drift_reasons FROM meta_layout_drift ORDER BY 1 DESC, 2").fetchall()
    drift_rows = [f"<tr><td>{_esc(_text(d))}</td><td>{_esc(f)}</td><td>{_esc(lay)}</td><td>{_esc(r)}</td></tr>" for d, f, lay, r in drift]
    drift_table = (
        ['<table id="layout-drift"><tr><th>date</th><th>file</th><th>layout</th><th>why</th></tr>', *drift_rows, "</table>"]
        if drift_rows else ['<p id="layout-drift">No snapshot deviates from the recent ones.</p>']
    )
    return "\n".join([
        '<section id="quality">', "<h2>Data quality</h2>", '<table id="data-quality">', *rows, "</table>",
        "<h3>Layout drift</h3>", *drift_table,
        f'<figure id="mentions-per-day">{_svg(_mentions_chart, per_day, prefix="perday")}'
        "<figcaption>Entries loaded per snapshot date</figcaption></figure>",
        "</section>",
    ])


def _share_chart(fig: Any, points: list[tuple[date, float, bool]]) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import PercentFormatter

    ax = fig.subplots()
    weeks = [p[0] for p in points]
    ax.plot(weeks, [p[1] for p in points], color="#2c6fbb", marker="o", markersize=3)
    hot = [p for p in points if p[2]]
    ax.plot([p[0] for p in hot], [p[1] for p in hot], linestyle="none", marker="o", markersize=6, color="#c0392b")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    locator = AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)


def _mentions_chart(fig: Any, per_day: list[tuple[date, int]]) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    ax = fig.subplots()
    ax.bar([d for d, _ in per_day], [n for _, n in per_day], color="#7f8c8d", width=0.8)
    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(axis="y", alpha=0.3)


def _svg(draw: Callable[[Any, Any], None], data: Any, *, prefix: str) -> str:
    """Draw a chart with matplotlib and return it as an inline ``<svg>`` element.

    The XML prolog and namespace declarations are dropped (HTML implies them
    for inline SVG) and every id gets ``prefix`` so that several charts in one
    page do not share ids.
    """
    import matplotlib
    from matplotlib.figure import Figure

    buf = io.StringIO()
    with matplotlib.rc_context(SVG_RC):
        fig = Figure(figsize=(4.6, 2.0), layout="constrained")
        draw(fig, data)
        fig.savefig(buf, format="svg", metadata=SVG_METADATA)
    svg = buf.getvalue()
    svg = SVG_NAMESPACES.sub("", svg[svg.index("<svg"):]).replace('xlink:href="#', 'href="#')
    return SVG_IDS.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", svg).strip()


@contextmanager
def _connect(analytics: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not analytics.is_file():
        raise FileNotFoundError(f"no analytics file at {analytics}: publish has not run yet")
    con = duckdb.connect(str(analytics), read_only=True)
    try:
        yield con
    finally:
        con.close()


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


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _text(value: Any) -> str:
    if value is None:
        return "–"
    return value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "hour") else str(value)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _signed_pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}%"


def _fixed(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _signed(value: int | None) -> str:
    return "–" if value is None else f"{value:+d}"
