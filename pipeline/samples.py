"""Invented digest snapshots for ``make run``, the tests and the benchmark.

Real pages cannot ship with the project, so this module writes look-alike
landing files in all four layouts together with their truth: which mention is
which paper (so dedup can be checked exactly), two planted topic trends
(``state_space_models`` rising over the last three weeks, ``graph_neural_networks``
flat) and two planted emerging terms (invented method names: ``PLANTED_TERM``,
absent until three weeks before the end, then in a fast-growing share of the new
titles; ``SLOW_TERM``, climbing from 0% to 3% over the last ten weeks) that the
marts must find. Everything is drawn from ``random.Random(seed)``
(the term from its own stream, so planting it leaves the rest of the draws
alone): the same arguments give byte-identical files.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path

from pipeline.sample_vocab import GENERIC_SENTENCES, TITLE_TEMPLATES, TOPIC_SENTENCES, TOPICS
from pipeline.sample_vocab import WORDS as _W

LAYOUTS = ("blank_separated", "line_pairs", "annotated", "hf_api_json")
RISING, FLAT = "state_space_models", "graph_neural_networks"
BASE_SHARE, PEAK_SHARE, FLAT_SHARE, RISE_DAYS = 0.05, 0.35, 0.10, 21
NO_TOPIC_SHARE = 0.15  # of the entries left after the two planted topics
# The planted emerging term: a method name no syllable name can spell (none starts with "g") and no
# topic rule matches, so it is a taxonomy candidate; it names a share of the day's new papers that
# rises linearly from 0 (RISE_DAYS before the end) to TERM_PEAK_SHARE on the last day.
PLANTED_TERM, TERM_PEAK_SHARE = "Glimmerflow", 0.2
# The planted slow riser: another such name, in a share of the new titles that climbs linearly from 0
# (SLOW_DAYS before the end) to SLOW_PEAK_SHARE: never a jump, a climb the monthly reader must see.
SLOW_TERM, SLOW_PEAK_SHARE, SLOW_DAYS = "Gossamerix", 0.03, 70
EARLIEST = date(2015, 1, 1)  # five-digit arXiv numbers start here; also the validation floor
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The planted keywords (lower case) may appear only in their own topic's titles and abstracts.
PLANTED_WORDS = {RISING: ("state space", "state-space", "mamba", "ssm"),
                 FLAT: ("graph", "gnn", "message passing", "message-passing")}
# topic -> the planted keywords it must not contain (plain substrings: 4x cheaper than a regex here)
_FOREIGN = {t: tuple(w for k, ws in PLANTED_WORDS.items() if k != t for w in ws) for t in (RISING, FLAT, None)}


OTHER_TOPICS = [t for t in TOPICS if t not in (RISING, FLAT)]
GENERIC_POOL = 1499  # sentences; a prime, so every stride in _World._abstract visits distinct ones

_KEY_RE = re.compile(r"[^0-9a-z]+")


def title_key(title: str) -> str:
    """Letters and digits only, lower-cased: the generator never gives two papers the same key."""
    return _KEY_RE.sub("", title.lower())


def planted_share(topic: str, day: date, end: date) -> float | None:
    """The planted share of a day's entries for the two trend topics (None for the others).

    Flat at 10% for ``graph_neural_networks``; 5% for ``state_space_models`` until three weeks
    before ``end``, then rising linearly to 35% on ``end``.
    """
    rise = max(0, (day - end).days + RISE_DAYS) / RISE_DAYS
    return {FLAT: FLAT_SHARE, RISING: BASE_SHARE + (PEAK_SHARE - BASE_SHARE) * rise}.get(topic)


def planted_term_share(day: date, end: date) -> float:
    """Chance that a paper first seen on ``day`` is named ``PLANTED_TERM``: 0, then up to 20% on ``end``."""
    return TERM_PEAK_SHARE * max(0, (day - end).days + RISE_DAYS) / RISE_DAYS


def slow_term_share(day: date, end: date) -> float:
    """Chance that a paper first seen on ``day`` is named ``SLOW_TERM``: 0, then up to 3% on ``end``."""
    return SLOW_PEAK_SHARE * max(0, (day - end).days + SLOW_DAYS) / SLOW_DAYS


@dataclass(frozen=True, slots=True)
class SamplePaper:
    """One distinct invented paper; ``title`` is the canonical (noise-free) form."""

    index: int
    arxiv_id: str
    title: str
    topic: str | None
    successor_of: str | None  # arxiv_id of the look-alike earlier paper it must stay apart from
    first_seen: date
    published_on: date
    authors_count: int
    organization: tuple[str, str] | None  # (handle, display name)
    base_upvotes: int
    shows_upvotes: bool  # whether annotated pages print its upvote count
    sentence_ids: tuple[int, ...]  # the abstract as indices into the sentence pool (keeps big runs small)

    def upvotes_on(self, day: date) -> int:
        return self.base_upvotes + (day - self.first_seen).days // 3


@dataclass(frozen=True)
class SampleFile:
    """One landing file and its entries in page order, exactly as written."""

    name: str
    layout: str
    snapshot_date: date
    titles: tuple[str, ...]
    arxiv_ids: tuple[str, ...]  # the paper behind each entry (printed only by the JSON layout)
    upvotes: tuple[int | None, ...]  # as printed; None where the page shows no count

    @property
    def n_entries(self) -> int:
        return len(self.titles)


@dataclass(frozen=True)
class SampleManifest:
    """The truth behind a generated landing dir."""

    end: date
    files: tuple[SampleFile, ...]
    papers: tuple[SamplePaper, ...]
    sentences: tuple[str, ...]

    @property
    def n_mentions(self) -> int:
        return sum(f.n_entries for f in self.files)

    @property
    def n_distinct_papers(self) -> int:
        return len(self.papers)

    @cached_property
    def by_id(self) -> dict[str, SamplePaper]:
        return {p.arxiv_id: p for p in self.papers}

    def abstract(self, paper: SamplePaper) -> str:
        return " ".join(self.sentences[i] for i in paper.sentence_ids)

    def topic_count(self, file: SampleFile, topic: str | None) -> int:
        """Entries of one file whose paper has ``topic``."""
        return sum(self.by_id[a].topic == topic for a in file.arxiv_ids)

    def has_term(self, paper: SamplePaper, term: str = PLANTED_TERM) -> bool:
        """Whether the paper's title carries a planted term (its look-alike successors inherit it)."""
        return term.lower() in paper.title.lower()

    def lookalike_pairs(self) -> list[tuple[SamplePaper, SamplePaper]]:
        """(earlier paper, similar-titled successor): pairs that must stay two papers."""
        return [(self.by_id[p.successor_of], p) for p in self.papers if p.successor_of]


def generate(landing_dir: Path, *, days: int = 70, end: date = date(2026, 11, 20), seed: int = 7,
             entries_per_day: tuple[int, int] = (20, 80), abstract_words: tuple[int, int] = (60, 140),
             repeat_share: float = 0.33) -> SampleManifest:
    """Write one snapshot per day, the last on ``end``, into ``landing_dir`` and return the truth.

    Layouts rotate day by day. Each day has ``entries_per_day`` entries (inclusive range), about
    ``repeat_share`` of them papers shown on earlier days; abstract lengths are drawn from
    ``abstract_words`` and rounded to whole sentences. Existing files of the same names are replaced.
    """
    start = end - timedelta(days=days - 1)
    if days < 1 or start < EARLIEST or not 1 <= entries_per_day[0] <= entries_per_day[1]:
        raise ValueError("need days >= 1, a start in 2015 or later and 1 <= min <= max entries per day")
    landing_dir.mkdir(parents=True, exist_ok=True)
    world = _World(random.Random(seed), end, abstract_words, random.Random(f"term-{seed}"),
                   random.Random(f"slow-{seed}"))
    files = []
    for i in range(days):
        day = start + timedelta(days=i)
        page = world.day_page(day, world.rng.randint(*entries_per_day), repeat_share if i else 0.0)
        files.append(world.write(landing_dir, LAYOUTS[i % len(LAYOUTS)], day, page))
    return SampleManifest(end, tuple(files), tuple(world.papers), world.sentences)


def _picks(rng: random.Random, *seqs: Sequence) -> list:
    """One element of each sequence from a single random draw (the hot path of big runs)."""
    bits, out = rng.getrandbits(128), []
    for seq in seqs:
        bits, i = divmod(bits, len(seq))
        out.append(seq[i])
    return out


def _people(rng: random.Random, n: int) -> tuple[str, ...]:
    """Invented author names; papers index into them, so a paper's authors agree on every page."""
    syl = _W["syl"]
    return tuple(f"{a.title()}{b} {c.title()}{d}{e}" for a, b, c, d, e in (_picks(rng, *[syl] * 5) for _ in range(n)))


class _World:
    """Generation state: the papers so far and the sentence pool that abstracts are drawn from."""

    def __init__(self, rng: random.Random, end: date, abstract_words: tuple[int, int],
                 term_rng: random.Random, slow_rng: random.Random) -> None:
        self.rng, self.end, self.words = rng, end, range(abstract_words[0], abstract_words[1] + 1)
        self.term_rng, self.slow_rng = term_rng, slow_rng
        self.papers: list[SamplePaper] = []
        self.history: dict[str | None, list[SamplePaper]] = {}
        self.keys: set[str] = set()  # title_key of every paper
        self.ids: set[str] = set()
        self.succeeded: set[str] = set()  # papers that already have a look-alike successor
        pool = [self._sentence(rng.choice(GENERIC_SENTENCES), "") for _ in range(GENERIC_POOL)]
        self.avg_words = sum(s.count(" ") + 1 for s in pool) / len(pool)
        self.topic_sentences: dict[str, range] = {}
        for topic, (_, phrases) in TOPICS.items():
            self.topic_sentences[topic] = range(len(pool), len(pool) + 60)
            pool += [self._sentence(rng.choice(TOPIC_SENTENCES), rng.choice(phrases)) for _ in range(60)]
        self.sentences = tuple(pool)
        self.people = _people(rng, 4096)

    def _sentence(self, template: str, kw: str) -> str:
        slots = {k: self.rng.choice(v) for k, v in _W.items()}
        return template.format(kw=kw, Kw=kw[:1].upper() + kw[1:], k=self.rng.randint(3, 12),
                               p=f"{self.rng.randint(1, 9)}.{self.rng.randint(0, 9)}", **slots)

    def day_page(self, day: date, n: int, repeat_share: float) -> list[tuple[SamplePaper, str]]:
        """A day's entries: planted topic counts first, then repeats of earlier papers and new ones."""
        rng = self.rng
        k_rising = int(n * planted_share(RISING, day, self.end) + 0.5)
        slots: list[str | None] = [RISING] * k_rising + [FLAT] * min(n - k_rising, int(n * FLAT_SHARE + 0.5))
        weights = [NO_TOPIC_SHARE] + [(1 - NO_TOPIC_SHARE) / len(OTHER_TOPICS)] * len(OTHER_TOPICS)
        slots += rng.choices([None, *OTHER_TOPICS], weights, k=n - len(slots))
        rng.shuffle(slots)
        repeats = set(rng.sample(range(n), int(n * repeat_share + 0.5)))
        page, used, new = [], set(), []
        for j, topic in enumerate(slots):
            paper = self._earlier(topic, used) if j in repeats else None
            if paper is None:
                paper = self._new_paper(topic, day)
                new.append(paper)
            noisy = paper.first_seen != day and rng.random() < 0.4
            page.append((paper, self._noisy(paper.title) if noisy else paper.title))
            used.add(paper.arxiv_id)
        for paper in new:  # only papers of earlier days repeat
            self.history.setdefault(paper.topic, []).append(paper)
        return page

    def _earlier(self, topic: str | None, used: set[str]) -> SamplePaper | None:
        """A recent-ish paper of the same topic that is not yet on today's page."""
        pool = self.history.get(topic, [])
        for _ in range(4 if pool else 0):
            paper = pool[-1 - self.rng.randrange(min(len(pool), 400))]
            if paper.arxiv_id not in used:
                return paper
        return None

    def _noisy(self, title: str) -> str:
        """The same title as another page may print it: case, spacing and punctuation only."""
        rng = self.rng
        kinds = ["case", "space"] + ([] if title.endswith(("?", ".")) else ["dot"])
        kinds += ([":"] if ": " in title else []) + (["&"] if " & " in title else [])
        for kind in rng.sample(kinds, rng.randint(1, 2)):
            if kind == "case":
                title = rng.choice((str.lower, str.upper, str.title))(title)
            elif kind == "space":
                cut = rng.choice([m.start() for m in re.finditer(" ", title)])
                title = title[:cut] + " " + title[cut:]
            else:
                title = {"dot": title + ".", ":": title.replace(": ", " - ", 1),
                         "&": title.replace(" & ", " \\& ", 1)}[kind]
        # An all-lower-case line ending in a period reads as a sentence, not a title, even to a
        # person: real pages never print one, so the two kinds of noise are not stacked.
        return title[:-1] if title.endswith(".") and title[:1].islower() else title

    def _new_paper(self, topic: str | None, day: date) -> SamplePaper:
        lookalike, n_authors, upvotes, shows, org = _picks(
            self.rng, range(100), range(1, 13), range(41), range(100), [None] * 32 + _W["org"])  # 20% with an org
        base = self.rng.choice(self.history[topic]) if lookalike < 6 and topic in self.history else None
        if base is not None and (base.successor_of or base.arxiv_id in self.succeeded):
            base = None
        title = self._successor_title(base.title) if base else None
        if title is None or not self._claim(title, topic):
            named = self.term_rng.random() < planted_term_share(day, self.end)
            slow = self.slow_rng.random() < slow_term_share(day, self.end)  # own stream: the others' draws stay
            base, title = None, self._fresh_title(topic, PLANTED_TERM if named else SLOW_TERM if slow else None)
        else:
            self.succeeded.add(base.arxiv_id)
        published = self._published_on(day)
        paper = SamplePaper(len(self.papers), self._arxiv_id(published), title, topic, base and base.arxiv_id, day,
                            published, n_authors, tuple(org.split(" ", 1)) if org else None, upvotes, shows < 35,
                            self._abstract(topic))
        self.papers.append(paper)
        return paper

    def _successor_title(self, base: str) -> str:
        """A distinct paper named like ``base``: "II", "v2", "2.0" or an added "Not"."""
        head, colon, tail = base.partition(":")
        options = [base + " II", base + " v2", f"{head} 2.0{colon}{tail}"]
        if re.search(r" (Are|Is) ", base):
            options.append(re.sub(r" (Are|Is) ", r" \1 Not ", base, count=1))
        return self.rng.choice(options)

    def _claim(self, title: str, topic: str | None) -> bool:
        """Reserve a title unless it collides with another paper's or leaks a planted keyword."""
        key, low = title_key(title), title.lower()
        if key in self.keys or len(title) > 180 or any(w in low for w in _FOREIGN.get(topic, _FOREIGN[None])):
            return False
        self.keys.add(key)
        return True

    def _fresh_title(self, topic: str | None, named: str | None = None) -> str:
        """A new title; ``named`` ones carry that planted method name (templates with a name only)."""
        phrases = TOPICS[topic][0] if topic else _W["theme"]
        while True:
            template, on_topic, phrase, theme, a, t, m, m2, q, g, s1, s2, s3, n3, suffix = _picks(
                self.rng, TITLE_TEMPLATES, range(10), phrases, _W["theme"], _W["adj"], _W["task"], _W["tech"],
                _W["tech"], _W["quality"], _W["gerund"], _W["syl"], _W["syl"], _W["syl"], (False, True), _W["suffix"])
            phrase = phrase if on_topic < 8 else theme  # some topic papers name their topic only in the abstract
            singular = not phrase.endswith("s") or phrase.endswith(("sis", "ss"))
            name = named or (s1 + s2 + (s3 if n3 else "")).capitalize() + suffix
            if named and "{n}" not in template:
                continue
            title = template.format(n=name, a=a, p=phrase, t=t, m=m, m2=m2, q=q, g=g, v="Is" if singular else "Are",
                                    d="Does" if singular else "Do")
            if m != m2 and self._claim(title, topic):
                return title

    def _abstract(self, topic: str | None) -> tuple[int, ...]:
        """About ``abstract_words`` words of distinct sentences; a topic paper gets a keyword sentence."""
        start, stride, words, at, keyword = _picks(self.rng, range(GENERIC_POOL), range(1, GENERIC_POOL),
                                                   self.words, range(2), self.topic_sentences.get(topic, [None]))
        k = min(GENERIC_POOL, max(1, round(words / self.avg_words)))
        ids = [(start + stride * j) % GENERIC_POOL for j in range(k)]
        if keyword is not None:
            ids[min(at, k - 1)] = keyword
        return tuple(ids)

    def _published_on(self, first_seen: date) -> date:
        """Mostly days before the paper is featured, sometimes years; never after it, never before 2015."""
        recent, back, old = _picks(self.rng, range(4), range(15), range(max(1, (first_seen - EARLIEST).days - 29)))
        return max(EARLIEST, first_seen - timedelta(days=back)) if recent else EARLIEST + timedelta(days=old)

    def _arxiv_id(self, published: date) -> str:
        while True:
            arxiv_id = f"{published.year % 100:02d}{published.month:02d}.{self.rng.randint(1, 99999):05d}"
            if arxiv_id not in self.ids:
                self.ids.add(arxiv_id)
                return arxiv_id

    def write(self, landing_dir: Path, layout: str, day: date, page: list[tuple[SamplePaper, str]]) -> SampleFile:
        """Render one page and write it atomically, with that day's noon (UTC) as its mtime."""
        name = f"{day.isoformat()}.{'json' if layout == 'hf_api_json' else 'txt'}"
        render = {"blank_separated": self._blank, "line_pairs": self._pairs, "annotated": self._annotated,
                  "hf_api_json": self._json}[layout]
        path, tmp = landing_dir / name, landing_dir / f"{name}.tmp"
        tmp.write_bytes(render(day, page).encode("utf-8"))
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).timestamp()
        os.utime(tmp, (noon, noon))
        os.replace(tmp, path)
        shown = {"annotated": _shown_upvotes, "hf_api_json": SamplePaper.upvotes_on}.get(layout, lambda p, d: None)
        return SampleFile(name, layout, day, tuple(t for _, t in page), tuple(p.arxiv_id for p, _ in page),
                          tuple(shown(p, day) for p, _ in page))

    def _text(self, paper: SamplePaper) -> str:
        return " ".join(map(self.sentences.__getitem__, paper.sentence_ids))

    def _header(self, day: date) -> list[str]:
        """The page chrome, varied between days like the real pages."""
        daily, by_ak, dated = _picks(self.rng, range(10), ("by AK", "byAK"), (False, True))
        return (["new", "Get trending papers in your email inbox!", "Subscribe"] + ["Daily Papers"] * (daily < 7)
                + [f"{by_ak} and the research community"] + [_month_day(day)] * dated)

    def _blank(self, day: date, page: list[tuple[SamplePaper, str]]) -> str:
        return "\n\n".join(self._header(day) + [x for p, t in page for x in (t, self._text(p))])

    def _pairs(self, day: date, page: list[tuple[SamplePaper, str]]) -> str:
        return ("Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n"
                "Subscribe" + "\n".join(x for p, t in page for x in (t, self._text(p))))

    def _annotated(self, day: date, page: list[tuple[SamplePaper, str]]) -> str:
        blocks = []
        for p, t in page:
            who = " ".join(p.organization) if p.organization else f"  \u2022 {p.authors_count} authors"
            year = "" if p.published_on.year == day.year else f", {p.published_on.year}"
            up = _shown_upvotes(p, day)
            blocks.append(f"{t}\n\n{self._text(p)}\n\n{who}\n\u00b7\n{_month_day(p.published_on)}{year}"
                          + ("" if up is None else f" {up}"))
        return "\n\n".join(self._header(day) + blocks)

    def _json(self, day: date, page: list[tuple[SamplePaper, str]]) -> str:
        """A list shaped like the Hub's ``/api/daily_papers?date=`` answer, with fields the parser ignores."""
        items = []
        for p, t in page:
            h, m, s, comments, submitter = _picks(self.rng, range(24), range(60), range(60), range(7), range(10**6))
            authors = [{"name": self.people[(p.index * 13 + k) % len(self.people)], "hidden": False}
                       for k in range(p.authors_count)]
            item = {"paper": {"id": p.arxiv_id, "authors": authors, "title": t, "summary": self._text(p),
                              "publishedAt": f"{p.published_on.isoformat()}T17:59:00.000Z",
                              "upvotes": p.upvotes_on(day), "ai_keywords": []},
                    "publishedAt": f"{day.isoformat()}T{h:02d}:{m:02d}:{s:02d}.000Z", "title": t,
                    "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{p.arxiv_id}.png",
                    "numComments": comments, "submittedBy": {"name": f"user{submitter}", "type": "user"}}
            if p.organization:
                item["organization"] = {"name": p.organization[0], "fullname": p.organization[1]}
            items.append(item)
        return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def _shown_upvotes(paper: SamplePaper, day: date) -> int | None:
    """Annotated pages print a count only for some papers, and never a zero."""
    up = paper.upvotes_on(day)
    return up if paper.shows_upvotes and up > 0 else None


def _month_day(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}"
