"""The sample generator: deterministic files, the planted truth it promises, and
round trips of every layout through the real parsers and the ingest.

Expected values come from the generator's contract (issue 3 item 7), computed
here independently of its code: the planted schedule, the file naming rule,
the page shapes copied from the real seed pages.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline.samples import LAYOUTS, PLANTED_TERM, SampleManifest, generate
from pipeline.settings import Settings

END = date(2026, 11, 20)  # generate()'s defaults: 70 days, 20-80 entries, abstracts of 60-140 words
DAYS = 70
START = END - timedelta(days=DAYS - 1)
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

# Keywords that define the planted topics (DESIGN.md topic ids), and what must never leak elsewhere.
SSM_HAS = re.compile(r"state space model|mamba|selective ssm", re.I)
SSM_NEVER = re.compile(r"state[\s-]*space|mamba|ssm", re.I)
GNN_HAS = re.compile(r"graph neural network|gnn|message passing", re.I)
GNN_NEVER = re.compile(r"graph|gnn|message[\s-]*passing", re.I)
OTHER_TOPIC_WORDS = re.compile(
    r"diffusion|reinforcement|language model|llm|transformer|attention|speech|continual|adversarial|retrieval"
    r"|spiking|neuromorphic|architecture search|quantiz|pruning|distillation|interpretab|saliency|in-context"
    r"|recurrent|lstm|gradient descent|optimizer|contrastive|self-supervised|symbolic|program synthesis|vision",
    re.I,
)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def key(title: str) -> str:
    """The noise the generator may add (case, spaces, punctuation, \\&) disappears here."""
    return re.sub(r"[^0-9a-z]", "", title.lower())


def expected_rising(n: int, day: date) -> int:
    """state_space_models: 5% of the entries until 21 days before END, then linear up to 35% on END."""
    days_into_rise = (day - (END - timedelta(days=21))).days
    share = 0.05 if days_into_rise <= 0 else 0.05 + 0.30 * days_into_rise / 21
    return int(n * share + 0.5)


def expected_term_share(day: date) -> float:
    """The planted term: in no title until 21 days before END, then in up to 20% of the new titles on END."""
    return 0.2 * max(0, (day - (END - timedelta(days=21))).days) / 21


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleManifest]:
    landing = tmp_path_factory.mktemp("world") / "landing"
    return landing, generate(landing)


def test_same_arguments_give_identical_files(tmp_path: Path) -> None:
    args = {"days": 9, "seed": 3, "entries_per_day": (20, 30)}
    first, second = generate(tmp_path / "a", **args), generate(tmp_path / "b", **args)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(f.name for f in first.files)
    for name in names:
        a, b = tmp_path / "a" / name, tmp_path / "b" / name
        assert a.read_bytes() == b.read_bytes()
        assert a.stat().st_mtime == b.stat().st_mtime
    assert first == second
    generate(tmp_path / "c", **{**args, "seed": 4})
    assert (tmp_path / "c" / names[0]).read_bytes() != (tmp_path / "a" / names[0]).read_bytes()


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, days=0)
    with pytest.raises(ValueError):
        generate(tmp_path, entries_per_day=(30, 20))


def test_one_file_per_day_in_rotating_layouts(samples: tuple[Path, SampleManifest]) -> None:
    landing, manifest = samples
    days = [START + timedelta(days=i) for i in range(DAYS)]
    assert [f.snapshot_date for f in manifest.files] == days
    assert [f.name for f in manifest.files] == [
        f"{d.isoformat()}.{'json' if f.layout == 'hf_api_json' else 'txt'}" for d, f in zip(days, manifest.files)
    ]
    assert sorted(p.name for p in landing.iterdir()) == sorted(f.name for f in manifest.files)  # no .tmp left
    # 70 days over 4 layouts: 18, 18, 17, 17.
    assert Counter(f.layout for f in manifest.files) == dict(zip(LAYOUTS, (18, 18, 17, 17)))
    for f in manifest.files:
        assert 20 <= f.n_entries <= 80
        noon = datetime(f.snapshot_date.year, f.snapshot_date.month, f.snapshot_date.day, 12, tzinfo=timezone.utc)
        assert (landing / f.name).stat().st_mtime == noon.timestamp()
    assert manifest.n_mentions == sum(f.n_entries for f in manifest.files)
    assert manifest.n_distinct_papers == len({a for f in manifest.files for a in f.arxiv_ids})


def test_planted_topic_shares(samples: tuple[Path, SampleManifest]) -> None:
    _, manifest = samples
    for f in manifest.files:
        assert manifest.topic_count(f, "state_space_models") == expected_rising(f.n_entries, f.snapshot_date)
        assert manifest.topic_count(f, "graph_neural_networks") == int(f.n_entries * 0.10 + 0.5)

    def share(files: list, topic: str) -> float:
        return sum(manifest.topic_count(f, topic) for f in files) / sum(f.n_entries for f in files)

    before_rise = [f for f in manifest.files if f.snapshot_date <= END - timedelta(days=21)]
    last_days = manifest.files[-3:]  # planted 30.7%, 32.1%, 35%
    assert len(before_rise) == 49
    assert share(before_rise, "state_space_models") == pytest.approx(0.05, abs=0.01)
    assert share(last_days, "state_space_models") == pytest.approx(0.33, abs=0.02)
    assert share(before_rise, "graph_neural_networks") == pytest.approx(0.10, abs=0.01)
    assert share(last_days, "graph_neural_networks") == pytest.approx(0.10, abs=0.01)


def test_topic_keywords_stay_in_their_topic(samples: tuple[Path, SampleManifest]) -> None:
    _, manifest = samples
    counts = Counter(p.topic for p in manifest.papers)
    assert counts[None] > 100 and len(counts) == 21  # the 20 DESIGN.md topics used, plus no topic
    for p in manifest.papers:
        text = f"{p.title} {manifest.abstract(p)}"
        assert bool(SSM_HAS.search(text)) == (p.topic == "state_space_models"), text
        assert p.topic == "state_space_models" or not SSM_NEVER.search(text), text
        assert bool(GNN_HAS.search(text)) == (p.topic == "graph_neural_networks"), text
        assert p.topic == "graph_neural_networks" or not GNN_NEVER.search(text), text
        if p.topic is None:
            assert not OTHER_TOPIC_WORDS.search(text), text


def test_titles_abstracts_and_ids_are_valid(samples: tuple[Path, SampleManifest]) -> None:
    _, manifest = samples
    assert len({key(p.title) for p in manifest.papers}) == manifest.n_distinct_papers
    assert len({p.arxiv_id for p in manifest.papers}) == manifest.n_distinct_papers
    words = []
    for p in manifest.papers:
        abstract = manifest.abstract(p)
        words.append(len(abstract.split()))
        assert len(abstract) >= 20 and not CONTROL.search(abstract)
        assert re.fullmatch(r"\d{4}\.\d{5}", p.arxiv_id)
        assert p.arxiv_id[:4] == p.published_on.strftime("%y%m")
        assert date(2015, 1, 1) <= p.published_on <= p.first_seen
        assert 1 <= p.authors_count
    assert 80 <= sum(words) / len(words) <= 120  # abstract_words=(60, 140)
    for f in manifest.files:
        for title in f.titles:
            assert title == title.strip() and len(title) < 200 and not CONTROL.search(title), title


def test_repeats_noise_and_lookalikes(samples: tuple[Path, SampleManifest]) -> None:
    _, manifest = samples
    seen: set[str] = set()
    repeats = later_entries = 0
    noisy: list[tuple[str, str]] = []
    for f in manifest.files:
        on_page = [a in seen for a in f.arxiv_ids]
        assert sum(on_page) <= int(f.n_entries * 0.33 + 0.5)
        if seen:
            repeats, later_entries = repeats + sum(on_page), later_entries + f.n_entries
        for title, arxiv_id, repeated in zip(f.titles, f.arxiv_ids, on_page):
            canonical = manifest.by_id[arxiv_id].title
            assert key(title.replace("\\&", "&")) == key(canonical)  # noise never changes the paper
            if title != canonical:
                assert repeated  # a paper's first appearance is always clean
                noisy.append((canonical, title))
        assert len(set(f.arxiv_ids)) == f.n_entries  # a paper is listed once per page
        seen.update(f.arxiv_ids)
    assert 0.28 <= repeats / later_entries <= 0.34
    assert any(t == t.lower() for _, t in noisy) and any(t == t.upper() for _, t in noisy)
    assert any("  " in t for _, t in noisy) and any(t.endswith(".") for _, t in noisy)
    assert any(": " in c and " - " in t for c, t in noisy) and any("\\&" in t for _, t in noisy)

    pairs = manifest.lookalike_pairs()
    assert len(pairs) >= 20
    for earlier, successor in pairs:
        assert key(earlier.title) != key(successor.title) and earlier.topic == successor.topic
        assert earlier.first_seen <= successor.first_seen
    marks = Counter(next(m for m in (" II", " v2", " 2.0", " Not ") if m in s.title) for _, s in pairs)
    assert set(marks) == {" II", " v2", " 2.0", " Not "}


def test_pages_have_the_real_shapes(samples: tuple[Path, SampleManifest]) -> None:
    landing, manifest = samples
    headers = Counter()
    for f in manifest.files:
        text = (landing / f.name).read_text("utf-8")
        if f.layout == "hf_api_json":
            items = json.loads(text)
            assert [i["paper"]["id"] for i in items] == list(f.arxiv_ids)
            assert [i["paper"]["title"] for i in items] == [i["title"] for i in items] == list(f.titles)
            assert all(i["publishedAt"].startswith(f.snapshot_date.isoformat()) for i in items)
            continue
        if f.layout == "line_pairs":
            lines = text.split("\n")
            assert lines[:2] == ["Get trending papers in your email inbox once a day!",
                                 "Get trending papers in your email inbox!"]
            assert lines[2] == "Subscribe" + f.titles[0] and lines[4::2] == list(f.titles[1:])
            assert len(lines) == 2 + 2 * f.n_entries
            continue
        paragraphs = text.split("\n\n")
        assert paragraphs[:3] == ["new", "Get trending papers in your email inbox!", "Subscribe"]
        date_line = f"{MONTHS[f.snapshot_date.month - 1]} {f.snapshot_date.day}"
        headers.update({"Daily Papers": "Daily Papers" in paragraphs[3:5], "date line": date_line in paragraphs[3:6],
                        "byAK": "byAK and the research community" in paragraphs[3:5]})
        step = 3 if f.layout == "annotated" else 2
        first = len(paragraphs) - step * f.n_entries
        assert 4 <= first <= 6 and paragraphs[first::step] == list(f.titles)
        if f.layout == "annotated":
            for block in paragraphs[first + 2::step]:
                who, dot, when = block.split("\n")
                assert dot == "\u00b7"
                assert re.fullmatch(r"  \u2022 \d+ authors|[\w-]+ \w.*", who), who
                assert re.fullmatch(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}(, 20\d\d)?( \d+)?",
                                    when), when
    # The header varies between days like the real pages: each variant appears both ways.
    assert all(0 < headers[k] < 35 for k in ("Daily Papers", "date line", "byAK")), headers


def test_every_layout_round_trips_through_the_parser(samples: tuple[Path, SampleManifest]) -> None:
    """All the pages in one parse, as the ingest parses a chunk (one call per page costs 5 CPU s more)."""
    from pipeline.ingest.dispatch import check_document, parse_batch, resolve_dates

    landing, manifest = samples
    texts = [(landing / f.name).read_text("utf-8") for f in manifest.files]
    docs = pl.DataFrame({"doc_id": range(len(texts)), "layout": [check_document(t) for t in texts], "text": texts})
    entries, _ = parse_batch(docs)
    days = pl.DataFrame({"doc_id": range(len(texts)), "snapshot_date": [f.snapshot_date for f in manifest.files]})
    entries = resolve_dates(entries, days).filter(pl.col("reject_reason").is_null())
    by_doc = entries.partition_by("doc_id", as_dict=True)
    for doc_id, f in enumerate(manifest.files):
        rows = by_doc[(doc_id,)].sort("position").to_dicts()
        papers = [manifest.by_id[a] for a in f.arxiv_ids]
        annotated, api = f.layout == "annotated", f.layout == "hf_api_json"
        assert docs["layout"][doc_id] == f.layout, f.name
        assert [r["position"] for r in rows] == list(range(1, f.n_entries + 1))
        assert [r["title"] for r in rows] == list(f.titles), f.name
        assert [r["abstract"] for r in rows] == [manifest.abstract(p) for p in papers], f.name
        assert [r["arxiv_id"] for r in rows] == (list(f.arxiv_ids) if api else [None] * f.n_entries)
        assert [r["upvotes"] for r in rows] == list(f.upvotes), f.name
        assert [r["published_on"] for r in rows] == [p.published_on if annotated or api else None for p in papers]
        assert [r["organization"] for r in rows] == [
            p.organization[1] if p.organization and (annotated or api) else None for p in papers]
        assert [r["authors_count"] for r in rows] == [
            p.authors_count if api or (annotated and not p.organization) else None for p in papers]


def test_samples_ingest_into_duckdb(samples: tuple[Path, SampleManifest], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.ingest import ingest_landing

    landing, manifest = samples
    monkeypatch.setenv("PAPERTRENDS_LANDING_DIR", str(landing))
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    settings = Settings.from_env()
    ingest_landing(settings.landing_dir, settings.warehouse)

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        snapshots = con.execute(
            "SELECT file_name, layout, snapshot_date, snapshot_date_source, n_entries, n_rejected"
            " FROM raw.snapshots ORDER BY file_name").fetchall()
        titles = dict(con.execute(
            "SELECT s.file_name, list(m.title ORDER BY m.position) FROM raw.paper_mentions m"
            " JOIN raw.snapshots s USING (snapshot_id) GROUP BY s.file_name").fetchall())
        counts = con.execute(
            "SELECT (SELECT count(*) FROM raw.paper_mentions), (SELECT count(*) FROM raw.rejected_files),"
            " (SELECT count(*) FROM raw.rejected_mentions),"
            " (SELECT count(DISTINCT arxiv_id) FROM raw.paper_mentions)").fetchone()
    assert snapshots == [(f.name, f.layout, f.snapshot_date, "file_name", f.n_entries, 0) for f in manifest.files]
    assert titles == {f.name: list(f.titles) for f in manifest.files}
    json_papers = {a for f in manifest.files if f.layout == "hf_api_json" for a in f.arxiv_ids}
    assert counts == (manifest.n_mentions, 0, 0, len(json_papers))


def test_planted_term_is_absent_then_rising(samples: tuple[Path, SampleManifest]) -> None:
    landing, manifest = samples
    word = re.compile(rf"\b{PLANTED_TERM}\b", re.I)
    # as printed on the pages (any noise): never before the rise
    early = [t for f in manifest.files if f.snapshot_date <= END - timedelta(days=21) for t in f.titles]
    assert early and not any(word.search(t) for t in early)
    assert not any(PLANTED_TERM.lower() in s.lower() for s in manifest.sentences)  # titles only
    # the new papers of each of the last three weeks: the named share follows the schedule's weekly mean
    # (0.2 x 4/21, 11/21, 18/21 = 3.8%, 10.5%, 17.1%), within sampling noise of some 230 papers a week
    shares = []
    for k in range(3):
        days = [END - timedelta(days=20 - 7 * k - i) for i in range(7)]
        new = [p for p in manifest.papers if p.first_seen in days]
        shares.append(sum(manifest.has_term(p) for p in new) / len(new))
        expected = sum(map(expected_term_share, days)) / 7
        assert abs(shares[-1] - expected) < 0.05, (k, shares[-1], expected)
    assert shares == sorted(shares) and shares[0] > 0
    # every paper that has the term prints it on every page it appears on
    for file in manifest.files:
        for title, arxiv_id in zip(file.titles, file.arxiv_ids, strict=True):
            assert bool(word.search(title)) == manifest.has_term(manifest.by_id[arxiv_id])
