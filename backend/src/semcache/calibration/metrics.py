"""Pure scoring of observed lookups: which entry a lookup serves at a threshold, and whether it is right.

A lookup (`semcache eval` does one per pair, with a loose threshold) returns the nearest candidates;
`choose` (the cache's own decision function) then says what a lookup at any stricter threshold serves,
so one pass over the data gives the whole curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from semcache.cache.models import Candidate
from semcache.cache.semantic import Verifier, choose

__all__ = ["Metrics", "Observed", "Verdicts", "best_within", "curve", "grid", "score", "served", "verdicts"]


@dataclass(frozen=True)
class Observed:
    """One labelled lookup: the query `b`, what the cache returned, and which returned entries are right
    to serve for it (see `labels.Equivalence`)."""

    query: str
    same: bool
    exact: Candidate | None
    candidates: tuple[Candidate, ...]
    right_ids: frozenset[str]


@dataclass(frozen=True)
class Metrics:
    threshold: float  # cosine similarity
    exact: int  # rows whose query is stored verbatim: the exact path serves them whatever the setting
    positives: int
    negatives: int
    served: int
    served_positives: int
    right: int  # served hits the labels call right, among all rows
    right_positives: int

    @property
    def wrong(self) -> int:
        return self.served - self.right

    @property
    def hit_rate(self) -> float:
        """Share of positives that were served a right answer (what a user gains)."""
        return self.right_positives / self.positives if self.positives else 0.0

    @property
    def wrong_rate(self) -> float:
        """Share of served hits that were wrong (what a user suffers)."""
        return self.wrong / self.served if self.served else 0.0

    @property
    def precision(self) -> float:
        return 1.0 - self.wrong_rate if self.served else 1.0

    @property
    def recall(self) -> float:
        return self.hit_rate

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


Verdicts = tuple[tuple[bool, ...], ...]


def verdicts(observed: Sequence[Observed], verifier: Verifier | None) -> Verdicts:
    """The verifier's answer for every candidate, computed once so curves need not call it again."""
    if verifier is None:
        return tuple(tuple(True for _ in o.candidates) for o in observed)
    return tuple(tuple(verifier(o.query, c, list(o.candidates)) for c in o.candidates) for o in observed)


def served(o: Observed, said: tuple[bool, ...], distance_threshold: float) -> Candidate | None:
    """What a lookup at this threshold serves: the exact path first, then the cache's `choose`."""
    if o.exact is not None:
        return o.exact
    by_identity = {id(c): ok for c, ok in zip(o.candidates, said, strict=True)}
    match, _ = choose(o.query, list(o.candidates), distance_threshold, lambda _q, c, _cs: by_identity[id(c)])
    return match


def score(observed: Sequence[Observed], said: Verdicts, similarity: float) -> Metrics:
    """Metrics over the semantic lookups. Verbatim repeats are counted apart: they are right at every
    setting and would only dilute the differences between settings."""
    exact = positives = negatives = n_served = n_pos = right = right_pos = 0
    for o, v in zip(observed, said, strict=True):
        if o.exact is not None:
            exact += 1
            continue
        positives += o.same
        negatives += not o.same
        match = served(o, v, 1.0 - similarity)
        if match is None:
            continue
        n_served += 1
        n_pos += o.same
        ok = match.entry.id in o.right_ids
        right += ok
        right_pos += ok and o.same
    return Metrics(similarity, exact, positives, negatives, n_served, n_pos, right, right_pos)


def curve(observed: Sequence[Observed], said: Verdicts, thresholds: Sequence[float]) -> list[Metrics]:
    return [score(observed, said, t) for t in thresholds]


def grid(lo: float = 0.70, hi: float = 0.99, step: float = 0.01) -> list[float]:
    n = round((hi - lo) / step)
    return [round(lo + i * step, 4) for i in range(n + 1)]


def best_within(points: Sequence[Metrics], max_wrong_rate: float) -> Metrics | None:
    """The point with the highest hit rate whose wrong-answer rate is within the bound (ties: stricter)."""
    ok = [m for m in points if m.served and m.wrong_rate <= max_wrong_rate + 1e-12]
    return max(ok, key=lambda m: (m.hit_rate, m.threshold)) if ok else None
