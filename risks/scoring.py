"""The 5x5 risk matrix as pure calculations over plain values (no database): bands, reading the papers'
score text ("20 5x4 Red", "16 Red") and deriving a likelihood and impact from a bare score."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LOW, HIGH = 1, 5
BANDS = ("Green", "Yellow", "Amber", "Red")
# The table of DOMAIN.md: 1-3 Green (low), 4-6 Yellow (moderate), 8-12 Amber (high), 15-25 Red (extreme).
BAND_RANGES: dict[str, tuple[int, int]] = {"Green": (1, 3), "Yellow": (4, 6), "Amber": (8, 12), "Red": (15, 25)}
BAND_MEANINGS = {"Green": "low", "Yellow": "moderate", "Amber": "high", "Red": "extreme"}
NOT_RECORDED = "likelihood and impact not recorded"


def score_band(score: int) -> str:
    """The band of a 5x5 score: 1-3 Green, 4-6 Yellow, 8-12 Amber, 15-25 Red."""
    if not 1 <= score <= 25:
        raise ValueError(f"A risk score is 1 to 25, not {score}")
    if score <= 3:
        return "Green"
    if score <= 6:
        return "Yellow"
    if score <= 12:
        return "Amber"
    return "Red"


def risk_score(likelihood: int | None, impact: int | None) -> int | None:
    """Likelihood x impact, or None until both are scored; each must be 1 to 5."""
    if likelihood is None or impact is None:
        return None
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if not LOW <= value <= HIGH:
            raise ValueError(f"A risk's {name} is 1 to 5, not {value}")
    return likelihood * impact


def splits(score: int) -> list[tuple[int, int]]:
    """Every (likelihood, impact) on the 5x5 matrix whose product is `score`."""
    return [(lik, imp) for lik in range(LOW, HIGH + 1) for imp in range(LOW, HIGH + 1) if lik * imp == score]


def derive_split(score: int, known_impacts: Iterable[int] = ()) -> tuple[int, int] | None:
    """The one likelihood x impact a bare published score allows, or None when it is not fixed.

    One split on the matrix (25 = 5x5, 16 = 4x4, 1 = 1x1) fixes it; otherwise the impact the same risk's other
    scores agree on (a risk's consequence rarely moves between its year-start, current and target scores) picks
    the one split with that impact. Anything else is left unrecorded rather than guessed.
    """
    candidates = splits(score)
    if len(candidates) == 1:
        return candidates[0]
    impacts = set(known_impacts)
    if len(impacts) == 1:
        matching = [c for c in candidates if c[1] in impacts]
        if len(matching) == 1:
            return matching[0]
    return None


@dataclass(frozen=True)
class PublishedScore:
    """A score as a paper printed it: "20 5x4 Red", "16 4x4", "12 Amber", or a pair "4x5"."""

    text: str
    score: int | None
    likelihood: int | None
    impact: int | None
    band: str | None

    @property
    def computed(self) -> int | None:
        return risk_score(self.likelihood, self.impact)

    @property
    def disagrees(self) -> bool:
        """The printed score or colour is not what its own likelihood x impact gives."""
        actual = self.computed
        if actual is None:
            return False
        return (self.score is not None and self.score != actual) or (
            self.band is not None and self.band != score_band(actual)
        )


SCORE_TEXT = re.compile(
    r"^\s*(?P<score>\d{1,2})?\s*(?:\(?\s*(?P<lik>\d)\s*[x×X*]\s*(?P<imp>\d)\s*\)?)?\s*(?P<band>[A-Za-z]+)?\s*$"
)


def parse_score_text(text: str) -> PublishedScore:
    """Read a published score cell. Raises ValueError, in the user's words, when it cannot be read."""
    cleaned = " ".join(text.split())
    match = SCORE_TEXT.match(cleaned)
    if not cleaned or not match or not (match["score"] or match["lik"]):
        raise ValueError(f'"{cleaned[:40]}" is not a risk score: write it like "20 5x4 Red", "16 Red" or "4x5"')
    score = int(match["score"]) if match["score"] else None
    likelihood = int(match["lik"]) if match["lik"] else None
    impact = int(match["imp"]) if match["imp"] else None
    band = None
    if match["band"]:
        band = match["band"].capitalize()
        if band not in BANDS:
            raise ValueError(f'"{cleaned[:40]}": "{match["band"]}" is not a band (Green, Yellow, Amber or Red)')
    if score is not None and not 1 <= score <= 25:
        raise ValueError(f'"{cleaned[:40]}": a risk score is 1 to 25, not {score}')
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if value is not None and not LOW <= value <= HIGH:
            raise ValueError(f'"{cleaned[:40]}": a risk\'s {name} is 1 to 5, not {value}')
    if score is not None and likelihood is None and not splits(score):
        raise ValueError(f'"{cleaned[:40]}": {score} is not a likelihood x impact on the 5x5 matrix')
    return PublishedScore(cleaned, score, likelihood, impact, band)


@dataclass(frozen=True)
class ResolvedScore:
    """What the register stores for one of a risk's three scores."""

    likelihood: int | None
    impact: int | None
    published: str  # the printed text, kept where it disagrees or gives no likelihood x impact; else ""
    published_score: int | None  # a bare published score kept while likelihood and impact are not recorded


def resolve_scores(published: dict[str, PublishedScore | None]) -> dict[str, ResolvedScore | None]:
    """Resolve a risk's published scores together: a bare score takes a likelihood and impact only where
    `derive_split` fixes one (its own split, or the impact the risk's other scores agree on)."""
    known_impacts = [p.impact for p in published.values() if p is not None and p.impact is not None]
    resolved: dict[str, ResolvedScore | None] = {}
    for stage, score in published.items():
        if score is None:
            resolved[stage] = None
        elif score.likelihood is not None:
            keep = score.text if score.disagrees else ""
            resolved[stage] = ResolvedScore(score.likelihood, score.impact, keep, None)
        else:
            assert score.score is not None
            split = derive_split(score.score, known_impacts)
            if split is None:
                resolved[stage] = ResolvedScore(None, None, score.text, score.score)
            else:
                resolved[stage] = ResolvedScore(split[0], split[1], score.text, None)
    return resolved


def heat_map(pairs: Iterable[tuple[int | None, int | None]]) -> list[list[int]]:
    """Counts per cell: rows are likelihood 5 down to 1, columns impact 1 to 5. Unscored pairs are left out."""
    grid = [[0] * HIGH for _ in range(HIGH)]
    for likelihood, impact in pairs:
        if likelihood is None or impact is None:
            continue
        grid[HIGH - likelihood][impact - 1] += 1
    return grid
