"""Pure: the eval's lookups replayed in order with feedback on every served hit (`feedback.py`).

What per-entry thresholds buy depends on clients reporting verdicts; this measures the best case, every
hit judged by the labels and reported with its similarity, as a stream: each row is decided with the
feedback of the rows before it only, so the first wrong answer of every entry still counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from semcache.cache.models import Candidate
from semcache.cache.semantic import Verifier, choose
from semcache.quality import feedback
from semcache.quality.metrics import Metrics, Observed


def _with(candidate: Candidate, verdicts: dict[str, feedback.Feedback]) -> Candidate:
    fb = verdicts.get(candidate.entry.id)
    if fb is None:
        return candidate
    meta = {**candidate.entry.metadata, feedback.KEY: {"right": fb.right, "wrong": fb.wrong, "bar": fb.bar}}
    return replace(candidate, entry=replace(candidate.entry, metadata=meta))


def score_online(observed: Sequence[Observed], verifier: Verifier | None, similarity: float) -> Metrics:
    verdicts: dict[str, feedback.Feedback] = {}
    exact = positives = negatives = n_served = n_pos = right = right_pos = 0
    for o in observed:
        if o.exact is not None:
            exact += 1
            continue
        positives += o.same
        negatives += not o.same
        match, _ = choose(o.query, [_with(c, verdicts) for c in o.candidates], 1.0 - similarity, verifier)
        if match is None:
            continue
        ok = match.entry.id in o.right_ids
        n_served += 1
        n_pos += o.same
        right += ok
        right_pos += ok and o.same
        fb = verdicts.get(match.entry.id, feedback.Feedback())
        if ok:
            verdicts[match.entry.id] = replace(fb, right=fb.right + 1)
        else:
            bar = match.similarity if fb.bar is None else max(fb.bar, match.similarity)
            verdicts[match.entry.id] = replace(fb, wrong=fb.wrong + 1, bar=bar)
    return Metrics(similarity, exact, positives, negatives, n_served, n_pos, right, right_pos)
