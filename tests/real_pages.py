"""Text pages rendered from the real API days in ``../shared/real``, with the perturbations of real saved pages.

The JSON gives the truth (titles and summaries), so a parse of the rendered
page can be checked row by row: every loaded title must be one of the page's
true titles, every loaded abstract must be made of paragraphs rendered for
that title, and nearly every true title must load.

Perturbations are drawn with a fixed seed; comments and title-shaped summaries
are generated from templates (openers, bodies, endings, venues), so their
words and places vary rather than repeating a few quoted sentences.
"""

from __future__ import annotations

import json
import re
import random
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.settings import PROJECT_ROOT

SHARED_REAL = PROJECT_ROOT.parent / "shared" / "real"
REAL_DIR = SHARED_REAL / "hf_api"
REAL_DIRS = (REAL_DIR, SHARED_REAL / "hf_api_2026_02_03")
CHROME = ["new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers", "by AK and the research community"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PERTURBATIONS = (
    "missing_abstract", "split_abstract", "comment", "title_only", "title_summary", "long_line", "control_line",
)
# Comment grammar: a sentence, a label with a link or a list, or a short reaction.
OPENERS = ["Code and models", "Code", "Coming soon", "TLDR", "TL;DR", "Website", "Project page", "Demo", "Weights",
           "Dataset", "Homepage", "GitHub", "Update", "Note", "Paper page", "Blog post", "Models and data"]
BODIES = ["see the project page", "released under an open license", "demo video, github, and eval dataset",
          "we will release everything after review", "this work proposes a simpler recipe for training",
          "feedback is very welcome", "available on the hub", "instructions in the repository"]
REACTIONS = ["Great work, thanks for sharing", "Really interesting results", "Very cool paper", "Thanks to the authors",
             "Check it out", "Happy to answer questions", "Nice extension of prior work", "Congrats to the team"]
SITES = ["https://github.com/some-lab/some-repo", "https://some-lab.github.io/project/", "www.example-project.org",
         "https://huggingface.co/some-org/some-model"]
VENUES = ["ICLR", "NeurIPS", "ICML", "CVPR", "ACL", "EMNLP", "AAAI", "LREC", "ECCV", "KDD"]
FIELDS = ["Audio", "Vision", "Robotics", "Speech", "Medical", "Video", "Multimodal", "Graph"]


@dataclass(frozen=True)
class RealDay:
    day: str
    items: list[dict]

    @property
    def titles(self) -> list[str]:
        return [item["paper"]["title"].strip() for item in self.items]


@dataclass
class RenderedPage:
    """A rendered page, which paragraphs belong to which title, and how many of each perturbation it holds."""

    text: str
    owned: dict[str, set[str]] = field(default_factory=dict)
    perturbations: dict[str, int] = field(default_factory=dict)


def real_days(dirs: tuple[Path, ...] = (REAL_DIR,)) -> list[RealDay]:
    """Every real day of ``dirs``, oldest first (empty when ``../shared/real`` is absent)."""
    paths = sorted((p for d in dirs if d.is_dir() for p in d.glob("*.json")), key=lambda p: p.name)
    return [RealDay(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in paths]


def _header(rng: random.Random, date_line: str, separator: str) -> str:
    """The page chrome in one of the arrangements seen on saved pages."""
    lines = list(CHROME)
    style = rng.choice(["paragraphs", "consecutive", "missing", "extra", "glued"])
    if style == "missing":
        lines = [line for line in lines if rng.random() < 0.6] or ["Daily Papers"]
    if style == "extra":
        lines.insert(1, "Get trending papers in your email inbox once a day!")
    if rng.random() < 0.5:
        lines.append(date_line)
    if style == "consecutive":
        return "\n".join(lines) + separator
    if style == "glued":
        return separator.join(lines[:-1]) + separator + lines[-1] if lines[-1] != "Subscribe" else separator.join(lines) + separator
    return separator.join(lines) + separator


def _split(summary: str) -> list[str]:
    """An abstract split by a blank line at a sentence boundary near its middle."""
    cut = summary.find(". ", len(summary) // 2)
    return [summary[: cut + 1], summary[cut + 2 :]] if 0 < cut < len(summary) - 3 else [summary]


def _paragraphs(units: list[str], separator: str) -> list[str]:
    """The paragraphs (lines in ``line_pairs``) that ``units`` make on the page, as a parser sees them."""
    pattern = r"\n[ \t]*\n" if separator == "\n\n" else r"\n"
    return [part.strip() for unit in units for part in re.split(pattern, unit) if part.strip()]


def comment(rng: random.Random) -> str:
    """A submitter's comment, from one of four templates."""
    style = rng.randrange(4)
    if style == 0:
        return f"{rng.choice(OPENERS)}: {rng.choice(BODIES)}{rng.choice(['.', '!', ' 🚀', '.'])}"
    if style == 1:
        return f"{rng.choice(OPENERS)}: {rng.choice(SITES)}"
    if style == 2:
        return f"{rng.choice(REACTIONS)}{rng.choice(['!', '.', '! 🔥', '!!'])}"
    return f"{rng.choice(['TLDR', 'In short', 'Summary', 'Coming soon'])}: {rng.choice(BODIES)}…"


def title_summary(rng: random.Random) -> str:
    """A short summary shaped like a title, as submitters write them."""
    year = rng.choice([2025, 2026])
    return rng.choice([
        f"{rng.choice(VENUES)} {year}", "Technical report", "Technical Report", f"{rng.choice(FIELDS)} Foundation Models",
        f"Accepted at {rng.choice(VENUES)} {year}", f"Published in the Proceedings of {rng.choice(VENUES)} {year}",
        f"Proceedings of the {year} Conference on {rng.choice(FIELDS)} Learning",
    ])


def render_page(day: RealDay, layout: str, seed: int, rate: float = 0.15, kinds: tuple[str, ...] = PERTURBATIONS) -> RenderedPage:
    """The day as a saved text page (``blank_separated`` or ``line_pairs``) with random perturbations of ``kinds``."""
    rng = random.Random(f"{day.day}-{layout}-{seed}")
    separator = "\n\n" if layout == "blank_separated" else "\n"
    units: list[str] = []
    page = RenderedPage("")
    for item in day.items:
        title = item["paper"]["title"].strip()
        summary = (item["paper"].get("summary") or "").strip()
        abstract = [summary] if summary else []
        kind = rng.choice(kinds) if rng.random() < rate else None
        after: list[str] = []
        if kind in ("missing_abstract", "title_only"):
            abstract = []
        elif kind == "split_abstract" and layout == "blank_separated" and summary:
            abstract = _split(summary)
        elif kind == "comment":
            place = rng.randrange(3)  # after the abstract, instead of it, or two comments after it
            abstract = [comment(rng)] if place == 1 else abstract + [comment(rng) for _ in range(place or 1)]
        elif kind == "title_summary":
            abstract = [title_summary(rng)]
        elif kind == "long_line":
            after = ["x" * 100_000] if rng.random() < 0.5 else ["a" * 50_000 + "/" + "b" * 50_000]
        elif kind == "control_line":
            after = [f"broken\x07line\x1b[{rng.randrange(1000)}m"]
        if kind:
            page.perturbations[kind] = page.perturbations.get(kind, 0) + 1
        page.owned.setdefault(title, set()).update(_paragraphs(abstract, separator))
        units += [title, *abstract, *after]
    month_day = f"{MONTHS[int(day.day[5:7]) - 1]} {int(day.day[8:])}"
    text = _header(rng, month_day, separator) + separator.join(units) + "\n"
    page.text = text.replace("\n\n", "\n") if layout == "line_pairs" else text
    return page


def render(day: RealDay, layout: str, seed: int, rate: float = 0.15) -> str:
    """The page text alone (see ``render_page``)."""
    return render_page(day, layout, seed, rate).text
