"""Trend report, terminal summary and README queries, on a hand-made and a generated world.

The hand-made world (``fixtures/small_warehouse.sql``) gives exact cells; the
generated one (150 days of samples → ingest → real ``dbt build``, the session's
world of test_dbt_samples; → publish → report once for this module) checks the
planted trend end to end: the
``state_space_models`` share rises over the last three weeks of the samples, so
it must be rising in the latest week, get its chart and head the rising table;
the planted method name ``Glimmerflow`` must be listed among the emerging
terms of the last complete week as a taxonomy candidate.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote_plus

import duckdb
import polars as pl
import pytest

from pipeline.publish import MARTS, publish
from pipeline.report import SECTIONS, TOP_TERMS, TOP_TOPICS, build_report, summary_lines, top_topics
from pipeline.samples import FLAT, PLANTED_TERM, RISING, SampleManifest
from pipeline.settings import Settings
from tests.conftest import SamplesWorld
from tests.test_publish import NO_MANIFEST, analyst_queries, build_small_warehouse

END = date(2026, 11, 20)
PAPER_LINK = re.compile(r'<a href="https://(?:arxiv\.org/abs/[0-9.]+|huggingface\.co/papers\?q=[\w%+.-]+)">')
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """Parse the report: tag balance, figures by topic, and the cells of each table by id."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.figures: list[str] = []
        self.svgs_per_figure: list[int] = []
        self._in_topic_figure = False
        self.tables: dict[str | None, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "figure" and "data-topic" in attributes:
            self.figures.append(attributes["data-topic"] or "")
            self.svgs_per_figure.append(0)
            self._in_topic_figure = True
        elif tag == "svg" and self._in_topic_figure:
            self.svgs_per_figure[-1] += 1
        elif tag == "table":
            self._rows = self.tables.setdefault(attributes.get("id"), [])
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> at {self.getpos()}")
        if tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._rows = None
        elif tag == "figure":
            self._in_topic_figure = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def assert_valid_and_offline(text: str) -> Page:
    assert text.startswith("<!DOCTYPE html>\n<html")
    page = Page(text)
    assert page.errors == [] and page.stack == []
    # the only outside addresses are the example papers' links, which a reader follows, never loads
    lower = PAPER_LINK.sub("<a>", text).lower()
    for needle in ("http://", "https://", "//cdn", "<script", "<link", "<iframe", "<img", "@import", "src="):
        assert needle not in lower, f"report references {needle!r}"
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', PAPER_LINK.sub("<a>", text)))
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", text))
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "duplicate ids across inline charts"
    return page


def section(text: str, section_id: str) -> str:
    start = text.index(f'<section id="{section_id}">')
    return text[start:text.index("</section>", start)]


# ---------------------------------------------------------------- hand-made world


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The hand-made world, published once for the module: the tests below only read it."""
    root = tmp_path_factory.mktemp("small")
    settings = Settings(root / "landing", root / "warehouse.duckdb", root / "analytics.duckdb", root / "reports")
    build_small_warehouse(settings.warehouse)
    publish(settings.warehouse, settings.analytics, pipeline_version="1.2.3", manifest=NO_MANIFEST)
    return settings


@pytest.fixture(scope="module")
def small_report(small: Settings) -> Path:
    """The small world's report, built once (its charts cost about 1 CPU s): three tests read its page."""
    return build_report(small.analytics, small.report_dir)


def test_report_on_the_small_world(small: Settings, small_report: Path) -> None:
    path = small_report

    assert path == small.report_dir / "trends.html"
    text = path.read_text(encoding="utf-8")
    assert (small.report_dir / "trends-2026-11-17.html").read_text(encoding="utf-8") == text
    page = assert_valid_and_offline(text)
    # mean weekly shares: SSM (.5 + .5) / 2, GNN (.5 + 0) / 2, vision (0 + .5) / 2; ties by topic_id
    assert page.figures == ["state_space_models", "graph_neural_networks", "vision"]
    assert page.svgs_per_figure == [1, 1, 1]
    assert page.tables["rising-topics"] == [
        ["Topic", "Share", "Papers (prev.)", "Growth", "z-score", "Rank (change)", "Why"],
        ["Vision", "50.0%", "2 (0)", "+40.0%", "3.0", "2 (+1)", "share 50.0% vs 0.0% (hand-set)"],
    ]
    # vision papers, newest first: p4 (first seen 11-17), then p3 (11-16)
    newest = section(text, "newest-papers")
    assert re.findall(r"<h3>(.*?)</h3>", newest) == ["Vision"]
    assert re.findall(r"<li>(.*?) <span", newest) == ["Seeing &lt;Small&gt; Things &amp; &#34;Quotes&#34;",
                                                      "Mamba Meets Vision"]
    assert "<Small>" not in text
    # 2 rejected of 7 + 2 entries = 22.2%
    assert page.tables["data-quality"] == [
        ["Snapshots loaded", "3"], ["Snapshot dates", "2026-11-09 to 2026-11-17"],
        ["Entries loaded (mentions)", "7"], ["Distinct papers", "5"], ["Rejected files", "1"],
        ["Rejected entries", "2 (22.2% of all entries)"], ["Field issues (loaded, field set null)", "1"],
    ]
    # layout drift: s1 rejected 1 of 3 entries (33%), s3 1 of 4 (25%), both over 5%; too few snapshots for the count rule
    assert page.tables["layout-drift"] == [
        ["date", "file", "layout", "why"],
        ["2026-11-17", "2026-11-17.txt", "annotated", "25% of entries rejected or unpaired"],
        ["2026-11-09", "2026-11-09.txt", "blank_separated", "33% of entries rejected or unpaired"],
    ]
    # each caption sits above its own chart
    assert '<figure id="mentions-per-day"><figcaption>Entries loaded per snapshot date</figcaption><svg' in text
    assert all(f'<figure data-topic="{t}"><figcaption>' in text for t in page.figures)


def cards(section_text: str) -> dict[str, list[tuple[str, str, str]]]:
    """Each term card of a section: its examples as (link, title as printed, first seen), in page order."""
    found = re.findall(r'<figure data-term="([^"]+)"><figcaption>.*?</figcaption>\n<svg.*?</svg>\n(.*?)</figure>',
                       section_text, re.S)
    return {term: re.findall(r'<li><a href="([^"]+)">(.*?)</a> <span class="muted">first seen ([0-9-]+)</span></li>', rest)
            for term, rest in found}


def test_emerging_terms_on_the_small_world(small_report: Path) -> None:
    text = small_report.read_text(encoding="utf-8")
    page = Page(text)
    # newest snapshot Tue 11-17: the last complete week is A (11-09), where 'scale' (z 4.0, no topic covers
    # it, 0.1 expected) and 'message passing' (z 3.2, covered, 0.2 expected) emerge; both first seen that week
    emerging = section(text, "emerging-terms")
    assert "<h2>Emerging terms, week of 2026-11-09</h2>" in emerging
    assert page.tables["emerging-terms-table"] == [
        ["Term", "Papers (expected)", "Share", "Growth", "Why", "Taxonomy"],
        ["scale", "1 (0.1)", "50.0%", "–", 'new <b> & "quoted" (hand-set)', "taxonomy candidate"],
        ["message passing", "1 (0.2)", "50.0%", "–", "jump (hand-set)", "covered by a topic"],
    ]
    assert "<b>" not in text
    # one card per term, in table order, caption first, then its chart, then its papers: both terms are
    # carried by p2 alone, which has no arXiv id, so the link is the HF paper search for its title
    hf = "https://huggingface.co/papers?q="
    assert cards(emerging) == {
        "scale": [(hf + "Message+Passing+at+Scale", "Message Passing at Scale", "2026-11-09")],
        "message passing": [(hf + "Message+Passing+at+Scale", "Message Passing at Scale", "2026-11-09")],
    }
    assert re.findall(r'<figure data-term="([^"]+)"><figcaption>', emerging) == ["scale", "message passing"]
    assert "1 paper, 0.1 expected" in emerging
    assert emerging.count("<svg") == 2
    # a topic rises in the latest week: the page keeps its usual order
    assert re.findall(r'<a href="#([a-z-]+)">', text) == list(SECTIONS)
    assert re.findall(r'<section id="([a-z-]+)">', text) == list(SECTIONS)


def test_month_block_on_the_small_world(small_report: Path) -> None:
    text = small_report.read_text(encoding="utf-8")
    page = Page(text)
    # week A ends Sun 11-15: November's slow riser 'long horizon' (4 of 5 papers, 1.5 expected, z 3.1);
    # 'mamba' has a November row but is not flagged
    month = section(text, "this-month")
    assert "<h2>This month: slow risers of November 2026</h2>" in month
    assert page.tables["emerging-month-table"] == [
        ["Term", "Papers (expected)", "Share", "Growth", "Why", "Taxonomy"],
        ["long horizon", "4 (1.5)", "80.0%", "+100.0%", "climbing since 2026-09 (hand-set)", "taxonomy candidate"],
    ]
    # its 4 papers, newest 3 only: p5 and p4 (11-17; p5 has an upvote, p4 none), then p3 (11-16, arXiv id)
    assert cards(month) == {"long horizon": [
        ("https://huggingface.co/papers?q=A+Note+on+Everything", "A Note on Everything", "2026-11-17"),
        ("https://huggingface.co/papers?q=Seeing+%3CSmall%3E+Things+%26+%22Quotes%22",
         "Seeing &lt;Small&gt; Things &amp; &#34;Quotes&#34;", "2026-11-17"),
        ("https://arxiv.org/abs/2611.00003", "Mamba Meets Vision", "2026-11-16"),
    ]}
    assert "Selective State Spaces Revisited" not in month
    # the monthly riser is not in the week's table, nor the week's terms here
    assert "long horizon" not in section(text, "emerging-terms")
    assert "message passing" not in month


def test_emerging_terms_lead_when_no_topic_rises(world: Settings) -> None:
    build_small_warehouse(world.warehouse)
    with duckdb.connect(str(world.warehouse)) as con:
        con.execute("UPDATE marts.topic_trends SET is_rising = false")
    publish(world.warehouse, world.analytics, pipeline_version="1", manifest=NO_MANIFEST)

    text = build_report(world.analytics, world.report_dir).read_text(encoding="utf-8")

    assert_valid_and_offline(text)
    order = ["emerging-terms", "this-month", "rising", "newest-papers", "topic-share", "quality"]
    assert re.findall(r'<section id="([a-z-]+)">', text) == order
    assert re.findall(r'<a href="#([a-z-]+)">', text) == order
    assert re.findall(r'<figure data-term="([^"]+)">', text) == ["scale", "message passing", "long horizon"]


def test_report_template_is_package_data() -> None:
    from importlib.resources import files

    template = files("pipeline") / "templates" / "report.html.j2"
    assert template.is_file() and "emerging-terms" in template.read_text(encoding="utf-8")


def test_top_topics_adds_the_rising_ones(small: Settings) -> None:
    with duckdb.connect(str(small.analytics), read_only=True) as con:
        # top 1 by mean share is SSM; vision is rising in the latest week, so it is added
        assert [(t["topic_id"], t["rising_now"]) for t in top_topics(con, 1)] == [
            ("state_space_models", False), ("vision", True)]


def test_summary_lines_on_the_small_world(small: Settings) -> None:
    assert summary_lines(small.analytics) == [
        "snapshots : 3 (2026-11-09 to 2026-11-17), 1 rejected files",
        "papers    : 5 distinct in 7 mentions, 2 rejected entries",
        "rising    : top 1 topics of the week of 2026-11-16",
        "  1. Vision                         share  50.0%  growth  +40.0%  z   3.0",
    ]


def test_report_and_summary_without_rising_topics(world: Settings) -> None:
    build_small_warehouse(world.warehouse)
    with duckdb.connect(str(world.warehouse)) as con:
        con.execute("UPDATE marts.topic_trends SET is_rising = false")
        con.execute("UPDATE marts.term_trends SET is_emerging = false")
    publish(world.warehouse, world.analytics, pipeline_version="1", manifest=NO_MANIFEST)

    text = build_report(world.analytics, world.report_dir).read_text(encoding="utf-8")

    page = assert_valid_and_offline(text)
    assert page.tables["rising-topics"][1:] == [["No topic is rising this week."]]
    assert len(page.figures) == 3
    assert page.tables["emerging-terms-table"][1:] == [["No term is emerging in this week."]]
    assert page.tables["emerging-month-table"][1:] == [["No term is climbing this month."]]
    assert "data-term=" not in text
    assert summary_lines(world.analytics)[-1] == "rising    : no topic rising in the week of 2026-11-16"


def test_report_needs_a_published_file(world: Settings) -> None:
    with pytest.raises(FileNotFoundError, match="publish has not run"):
        build_report(world.analytics, world.report_dir)
    assert not world.report_dir.exists()


# ---------------------------------------------------------------- generated world


@dataclass(frozen=True)
class Generated:
    settings: Settings
    truth: SampleManifest
    dbt_manifest: Path
    report: Path


@pytest.fixture(scope="module")
def generated(samples_world: SamplesWorld, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The session's 150 generated days (ingested and built by dbt, tests/conftest.py) → publish → report,
    once for the module; the shared warehouse is only read (publish ATTACHes it read-only)."""
    root = tmp_path_factory.mktemp("generated")
    settings = Settings(root / "landing", samples_world.warehouse, root / "analytics.duckdb", root / "reports")
    publish(settings.warehouse, settings.analytics, pipeline_version="test", manifest=samples_world.dbt_manifest)
    report = build_report(settings.analytics, settings.report_dir)
    return Generated(settings, samples_world.truth, samples_world.dbt_manifest, report)


def analytics_frame(generated: Generated, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(generated.settings.analytics), read_only=True) as con:
        return con.sql(sql).pl()


def test_generated_report_files(generated: Generated) -> None:
    text = generated.report.read_text(encoding="utf-8")
    assert generated.report == generated.settings.report_dir / "trends.html"
    assert (generated.settings.report_dir / "trends-2026-11-20.html").read_text(encoding="utf-8") == text
    assert_valid_and_offline(text)


def test_generated_report_has_a_chart_per_top_topic(generated: Generated) -> None:
    page = Page(generated.report.read_text(encoding="utf-8"))
    weekly = analytics_frame(generated, "SELECT topic_id, period_start, share, is_rising FROM marts.topic_trends "
                                        "WHERE grain = 'week'")
    latest = weekly["period_start"].max()
    # recomputed here with polars: top topics by mean weekly share, plus the ones rising in the latest week
    by_share = weekly.group_by("topic_id").agg(pl.col("share").mean()).sort(["share", "topic_id"], descending=[True, False])
    rising_now = set(weekly.filter((pl.col("period_start") == latest) & pl.col("is_rising"))["topic_id"])
    expected = [t for i, t in enumerate(by_share["topic_id"]) if i < TOP_TOPICS or t in rising_now]

    assert page.figures == expected
    assert page.svgs_per_figure == [1] * len(expected)
    assert RISING in rising_now and FLAT not in rising_now
    assert RISING in page.figures


def test_generated_report_lists_the_planted_rising_topic(generated: Generated) -> None:
    text = generated.report.read_text(encoding="utf-8")
    page = Page(text)
    rising = analytics_frame(generated, "SELECT label FROM marts.rising_topics_latest")["label"].to_list()
    rows = page.tables["rising-topics"][1:]
    assert [r[0] for r in rows] == rising
    assert "State space models" in rising and "Graph neural networks" not in rising
    assert all(len(r) == 7 and r[1].endswith("%") and r[3].endswith("%") for r in rows)
    newest = section(text, "newest-papers")
    assert re.findall(r"<h3>(.*?)</h3>", newest) == rising
    assert 1 <= newest.count("<li>") <= 5 * len(rising)
    quality = dict(page.tables["data-quality"])
    assert quality["Snapshots loaded"] == "150"
    assert quality["Snapshot dates"] == "2026-06-24 to 2026-11-20"
    assert quality["Entries loaded (mentions)"] == str(generated.truth.n_mentions)
    assert quality["Rejected files"] == "0"


def test_generated_report_lists_the_planted_emerging_term(generated: Generated) -> None:
    text = generated.report.read_text(encoding="utf-8")
    rows = Page(text).tables["emerging-terms-table"]
    # 150 days up to Fri 2026-11-20: the last complete week starts Mon 11-09, the planted name's second week
    assert "<h2>Emerging terms, week of 2026-11-09</h2>" in section(text, "emerging-terms")
    terms = {r[0]: r for r in rows[1:]}
    assert 1 <= len(terms) <= TOP_TERMS
    assert terms[PLANTED_TERM.lower()][5] == "taxonomy candidate"
    # the papers named so that week, from the generator's truth
    week = [f for f in generated.truth.files if date(2026, 11, 9) <= f.snapshot_date <= date(2026, 11, 15)]
    named = {a for f in week for a in f.arxiv_ids if generated.truth.has_term(generated.truth.by_id[a])}
    assert terms[PLANTED_TERM.lower()][1].startswith(f"{len(named)} (")
    emerging = section(text, "emerging-terms")
    assert re.findall(r'<figure data-term="([^"]+)"><figcaption>', emerging) == [r[0] for r in rows[1:]]
    # its example papers: the newest (at most 3) of those named that week, linked to their arXiv page when the
    # pages showed the id (API days), else to the HF paper search for the title (text pages print no id)
    examples = cards(emerging)[PLANTED_TERM.lower()]
    assert len(examples) == min(3, len(named))
    for link, printed, _ in examples:
        title = html.unescape(printed)
        assert PLANTED_TERM.lower() in title.lower()
        arxiv_id = link.removeprefix("https://arxiv.org/abs/")
        assert arxiv_id in named if arxiv_id != link else link == "https://huggingface.co/papers?q=" + quote_plus(title)
    seen = [d for _, _, d in examples]
    assert seen == sorted(seen, reverse=True)
    first_seen = {a: min(f.snapshot_date for f in generated.truth.files if a in f.arxiv_ids) for a in named}
    assert seen == [d.isoformat() for d in sorted(first_seen.values(), reverse=True)[:3]]


def test_generated_summary_lines(generated: Generated) -> None:
    lines = summary_lines(generated.settings.analytics)
    truth = generated.truth
    assert lines[0] == "snapshots : 150 (2026-06-24 to 2026-11-20), 0 rejected files"
    assert lines[1] == f"papers    : {truth.n_distinct_papers} distinct in {truth.n_mentions} mentions, 0 rejected entries"
    assert re.fullmatch(r"rising    : top [1-5] topics of the week of 2026-11-16", lines[2])
    assert any("State space models" in line for line in lines[3:8])


def test_generated_column_comments_come_from_dbt(generated: Generated) -> None:
    nodes = json.loads(generated.dbt_manifest.read_text(encoding="utf-8"))["nodes"]
    documented = nodes["model.papertrends.papers"]["columns"]["paper_id"]["description"]
    comments = analytics_frame(generated, "SELECT table_name, column_name, comment FROM duckdb_columns() "
                                          "WHERE schema_name = 'marts' AND comment <> ''")
    assert documented
    paper_id = comments.filter((pl.col("table_name") == "papers") & (pl.col("column_name") == "paper_id"))
    assert paper_id["comment"].to_list() == [documented]
    assert set(comments["table_name"]) == set(MARTS) | {"rising_topics_last_week", "emerging_terms_last_week",
                                                        "last_complete_week"}


def test_readme_queries_on_the_generated_world(generated: Generated) -> None:
    q = analyst_queries()
    truth = generated.truth
    frames = {name: analytics_frame(generated, sql) for name, sql in q.items()}

    assert frames["freshness"].columns == ["refreshed_at", "newest_snapshot_date", "pipeline_version", "rows_papers"]
    assert frames["freshness"].rows()[0][1:] == (END, "test", truth.n_distinct_papers)

    rising = frames["rising_topics"]
    assert rising.columns == ["label", "share_pct", "growth", "zscore", "rising_reason"]
    assert "State space models" in rising["label"].to_list()
    assert rising["zscore"].to_list() == sorted(rising["zscore"].to_list(), reverse=True)

    # 2026-06-24 (Wed) is in the week of Mon 06-22; 2026-11-20 in the week of 11-16: 22 weeks. The rise starts
    # on 10-30: no week up to that of 10-12 (the 17th) is rising, the running week of 11-16 is
    weekly = frames["topic_share_weekly"]
    assert weekly.columns == ["period_start", "n_papers", "share_pct", "rank", "is_rising"]
    assert weekly["period_start"].to_list() == [date(2026, 6, 22) + timedelta(weeks=i) for i in range(22)]
    assert weekly["is_rising"][-1] is True and not any(weekly["is_rising"][:17])

    # the last file's entries, one row per distinct paper, in page order
    latest = frames["papers_latest_day"]
    assert latest.columns == ["position", "title", "is_new", "topic_labels"]
    assert latest.height == len(set(truth.files[-1].arxiv_ids))
    assert latest["position"].is_sorted()

    persistent = frames["persistent_papers"]
    days_per_paper = Counter(a for f in truth.files for a in set(f.arxiv_ids))
    assert persistent.columns == ["title", "n_snapshots", "first_seen_date", "last_seen_date", "topics"]
    assert persistent.height == 10
    assert persistent["n_snapshots"][0] == max(days_per_paper.values())
    assert persistent["n_snapshots"].is_sorted(descending=True)

    new = frames["new_papers_by_topic"]
    assert new.columns == ["label", "new_papers"]
    assert new.height == 5 and new["new_papers"].is_sorted(descending=True)

    # the last complete week is 11-09 .. 11-15 (END is a Friday); the planted rise is in its second week
    last_week = frames["rising_last_week"]
    assert last_week.columns == ["week_start", "label", "n_papers", "share_pct", "zscore", "rising_reason"]
    assert set(last_week["week_start"]) == {date(2026, 11, 9)}
    assert "State space models" in last_week["label"].to_list()

    emerging = frames["emerging_terms"]
    assert emerging.columns == ["grain", "term", "n_papers", "n_expected", "share_pct", "growth", "zscore",
                                "new_topic_candidate", "emerging_reason", "example_titles"]
    assert 1 <= emerging.height <= 20
    # the planted term is absent before 10-30 and rises after: emerging in the last complete week
    # (11-09 .. 11-15) and a riser of its month (November), weekly rows first; no topic covers it
    planted = emerging.filter(pl.col("term") == PLANTED_TERM.lower())
    assert planted.select("grain", "new_topic_candidate").rows() == [("week", True), ("month", True)]

    # the README's ids are the small world's: here no alias matches them and each id stands for itself
    saved = frames["saved_paper_ids"]
    assert saved.columns == ["saved_id", "paper_id", "title"]
    assert saved["paper_id"].to_list() == saved["saved_id"].to_list()


def test_generated_paper_aliases_resolve(generated: Generated) -> None:
    # text pages print no arXiv id: a paper first seen on one had a title-based id until a JSON page
    # showed its arXiv id; every old id must lead to a paper of the truth
    aliases = analytics_frame(generated, "SELECT a.old_paper_id, a.paper_id, p.paper_id IS NOT NULL AS found "
                                         "FROM marts.paper_aliases AS a LEFT JOIN marts.papers AS p USING (paper_id)")
    assert aliases.height > 0
    assert aliases["found"].all()
    assert set(aliases["paper_id"]) <= set(generated.truth.by_id)
    assert all(re.fullmatch(r"t_[0-9a-f]{16}", old) for old in aliases["old_paper_id"])
