"""Text pages rendered from the real API days in ``../shared/real``, with the perturbations of real saved pages.

The JSON gives the truth (titles and summaries), so a parse of the rendered
page can be checked row by row: every loaded title must be one of the page's
true titles, and nearly every true title must load.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import PROJECT_ROOT

REAL_DIR = PROJECT_ROOT.parent / "shared" / "real" / "hf_api"
CHROME = ["new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers", "by AK and the research community"]
COMMENTS = [
    "Code: https://github.com/example-lab/example-repo",
    "Great work! Thanks for sharing.",
    "Project page: https://example-lab.github.io/project/",
    "Accepted at ICLR 2026.",
    "🔥 Check it out!",
    "Very interesting paper.",
    "Thanks for sharing!",
]
PERTURBATIONS = ("missing_abstract", "split_abstract", "comment", "title_only")


@dataclass(frozen=True)
class RealDay:
    day: str
    items: list[dict]

    @property
    def titles(self) -> list[str]:
        return [item["paper"]["title"].strip() for item in self.items]


def real_days() -> list[RealDay]:
    """Every real day, oldest first (empty when ``../shared/real`` is absent)."""
    if not REAL_DIR.is_dir():
        return []
    return [RealDay(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(REAL_DIR.glob("*.json"))]


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


def render(day: RealDay, layout: str, seed: int, rate: float = 0.15) -> str:
    """The day as a saved text page (``blank_separated`` or ``line_pairs``) with random perturbations."""
    rng = random.Random(f"{day.day}-{layout}-{seed}")
    separator = "\n\n" if layout == "blank_separated" else "\n"
    month_day = f"{['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][int(day.day[5:7]) - 1]} {int(day.day[8:])}"
    units: list[str] = []
    for item in day.items:
        title = item["paper"]["title"].strip()
        summary = (item["paper"].get("summary") or "").strip()
        abstract = [summary] if summary else []
        kind = rng.choice(PERTURBATIONS) if rng.random() < rate else None
        if kind in ("missing_abstract", "title_only"):
            abstract = []
        elif kind == "split_abstract" and layout == "blank_separated" and summary:
            abstract = _split(summary)
        elif kind == "comment":
            abstract = abstract + [rng.choice(COMMENTS)]
        units += [title, *abstract]
    page = _header(rng, month_day, separator) + separator.join(units) + "\n"
    if layout == "line_pairs":
        page = page.replace("\n\n", "\n")
    return page
