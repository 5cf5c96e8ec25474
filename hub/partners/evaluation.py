"""Precision and recall of partner resolution on the labelled company-name pairs in
fixtures/partners/name_pairs.csv, at the thresholds of hub.partners.matching.

Each pair goes through what resolution does with two registrations: compared only when they share
a country and a blocking key, then scored and sorted into merged, to an officer, or apart.
"""

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from hub.partners import matching

PAIRS_PATH = Path(__file__).resolve().parent.parent.parent / "fixtures/partners/name_pairs.csv"
MERGE, REVIEW, APART = "merge", "review", "apart"


@dataclass(frozen=True)
class LabelledPair:
    name_a: str
    country_a: str
    address_a: str
    name_b: str
    country_b: str
    address_b: str
    same_company: bool
    pattern: str


def labelled_pairs(path: Path = PAIRS_PATH) -> list[LabelledPair]:
    with open(path, encoding="utf-8", newline="") as file:
        return [
            LabelledPair(**{**row, "same_company": row["same_company"] == "1"})
            for row in csv.DictReader(file)
        ]


def pair_outcome(pair: LabelledPair) -> tuple[float, str]:
    """The score and decision resolution reaches for the pair."""
    blocked_together = pair.country_a == pair.country_b and matching.blocking_keys(
        pair.name_a, pair.country_a
    ) & matching.blocking_keys(pair.name_b, pair.country_b)
    if not blocked_together:
        return 0.0, APART
    score = matching.pair_score(pair.name_a, pair.address_a, pair.name_b, pair.address_b)
    return score, matching.pair_decision(score)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


@dataclass
class Figures:
    pairs: int = 0
    matches: int = 0
    outcomes: Counter = field(default_factory=Counter)
    """(decision, same company) → pairs"""
    by_pattern: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[tuple[LabelledPair, float, str]] = field(default_factory=list)
    """Pairs resolution gets wrong even with officers: one company kept apart, or two companies
    merged without asking."""

    def _decided(self, decisions, same: bool) -> int:
        return sum(self.outcomes[(decision, same)] for decision in decisions)

    @property
    def merge_precision(self) -> float:
        """Of the pairs merged without asking, the share that are one company."""
        merged = self._decided([MERGE], True)
        return _ratio(merged, merged + self._decided([MERGE], False))

    @property
    def merge_recall(self) -> float:
        """Of the pairs that are one company, the share merged without asking."""
        return _ratio(self._decided([MERGE], True), self.matches)

    @property
    def review_precision(self) -> float:
        """Of the pairs merged or queued for an officer, the share that are one company."""
        found = self._decided([MERGE, REVIEW], True)
        return _ratio(found, found + self._decided([MERGE, REVIEW], False))

    @property
    def review_recall(self) -> float:
        """Of the pairs that are one company, the share merged or queued for an officer."""
        return _ratio(self._decided([MERGE, REVIEW], True), self.matches)

    @property
    def queued(self) -> int:
        return self._decided([REVIEW], True) + self._decided([REVIEW], False)


def evaluate(pairs: list[LabelledPair]) -> Figures:
    figures = Figures()
    for pair in pairs:
        score, decision = pair_outcome(pair)
        figures.pairs += 1
        figures.matches += pair.same_company
        figures.outcomes[(decision, pair.same_company)] += 1
        figures.by_pattern[pair.pattern][decision] += 1
        if decision == (APART if pair.same_company else MERGE):
            figures.errors.append((pair, score, decision))
    return figures
