"""Pure: the eval's lookups replayed in order as a stream, with each entry's state (`feedback.py`) growing.

Per-entry learning (the feedback bar, CACHE_MAX_ERROR's bound) depends on what the cache is told, so this
replays a labelled file row by row: each row is decided with the state the rows before it left, so the
first wrong answer of every entry still counts. What the cache is told, in the replay's three sources:
- `report_hits`: every served hit is reported back with its similarity (`POST /cache/feedback`, the
  labels standing in for the client): the best case of client feedback;
- `explore_rate`: a hit the verifier allows is, with this probability, answered by the LLM instead and
  the two answers compared (the labels standing in for the scorer): an extra LLM call, counted;
- `compare_misses`: when the nearest candidate within the threshold is refused, the LLM answers anyway,
  so comparing its answer with the candidate's costs no LLM call; the verdict is recorded on that entry;
- `audit_rate`: a served hit is, with this probability, also answered by the LLM in the background and
  the answers compared (the caller keeps the cached answer); the verdict is recorded on the entry and, with
  `limits`, counts towards the namespace's learned threshold (`verify/learning.py`), which then decides
  the rows after it. The per-entry audit cap (CACHE_AUDIT_MAX_PER_ENTRY) is not replayed: a file asks each
  query once, so an entry rarely reaches it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from semcache.cache.models import Candidate
from semcache.cache.semantic import Verifier, choose
from semcache.calibration.metrics import Metrics, Observed
from semcache.verify import feedback
from semcache.verify.learning import Learned, Limits, step

__all__ = ["Stream", "replay", "score_online"]


@dataclass(frozen=True)
class Stream:
    metrics: Metrics
    halves: tuple[Metrics, Metrics]  # the first and the second half of the rows: does it learn?
    explored: int  # allowed hits answered by the LLM to learn from (extra LLM calls)
    compared: int  # refused candidates compared with the LLM's answer on the miss (no extra call)
    audited: int = 0  # served hits also answered by the LLM and compared (extra LLM calls)
    similarity: float | None = None  # the learned threshold at the end of the stream (with `limits`)


def _with(candidate: Candidate, state: dict[str, feedback.Feedback]) -> Candidate:
    fb = state.get(candidate.entry.id)
    if fb is None:
        return candidate
    meta = {**candidate.entry.metadata, feedback.KEY: feedback.as_metadata(fb)}
    return replace(candidate, entry=replace(candidate.entry, metadata=meta))


class _Tally:
    def __init__(self, similarity: float) -> None:
        self.similarity = similarity
        self.counts = [0] * 7  # exact, positives, negatives, served, served positives, right, right positives

    def row(self, o: Observed, match: Candidate | None) -> None:
        if o.exact is not None:
            self.counts[0] += 1
            return
        ok = match is not None and match.entry.id in o.right_ids
        served = match is not None
        for i, add in enumerate((o.same, not o.same, served, served and o.same, ok, ok and o.same), start=1):
            self.counts[i] += int(add)

    def metrics(self) -> Metrics:
        return Metrics(self.similarity, *self.counts)


def replay(observed: Sequence[Observed], verifier: Verifier | None, similarity: float, *, report_hits: bool = True,
           explore_rate: float = 0.0, compare_misses: bool = False, audit_rate: float = 0.0,
           limits: Limits | None = None, seed: int = 0) -> Stream:  # fmt: skip
    """`similarity`: the threshold, or with `limits` the configured one the learned threshold starts from."""
    rng = random.Random(seed)
    state: dict[str, feedback.Feedback] = {}
    whole, halves = _Tally(similarity), (_Tally(similarity), _Tally(similarity))
    explored = compared = audited = wrong = 0
    learned = Learned(similarity if limits is None else limits.clamp(similarity))

    def tell(c: Candidate, o: Observed) -> bool:
        right = c.entry.id in o.right_ids
        fb = state.get(c.entry.id, feedback.Feedback())
        state[c.entry.id] = feedback.updated(fb, correct=right, similarity=c.similarity)
        return right

    for i, o in enumerate(observed):
        match = None
        if o.exact is None:
            candidates = [_with(c, state) for c in o.candidates]
            match, _ = choose(o.query, candidates, 1.0 - learned.similarity, verifier)
            if match is not None and explore_rate and rng.random() < explore_rate:
                explored += 1
                tell(match, o)
                match = None
            elif match is not None and audit_rate and rng.random() < audit_rate:
                audited += 1
                wrong += int(not tell(match, o))
                moved = step(learned, audited, wrong, limits) if limits is not None else None
                learned = moved or learned
            elif match is not None and report_hits:
                tell(match, o)
            elif match is None and compare_misses and o.candidates and o.candidates[0].similarity >= learned.similarity:
                compared += 1
                tell(o.candidates[0], o)
        whole.row(o, match)
        halves[0 if 2 * i < len(observed) else 1].row(o, match)
    halves_m = (halves[0].metrics(), halves[1].metrics())
    return Stream(whole.metrics(), halves_m, explored, compared, audited, learned.similarity if limits else None)


def score_online(observed: Sequence[Observed], verifier: Verifier | None, similarity: float) -> Metrics:
    """Every served hit reported back (the "with feedback" table of docs/quality.md)."""
    return replay(observed, verifier, similarity).metrics
