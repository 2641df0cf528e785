"""Per-entry thresholds learned from feedback (`POST /cache/feedback {id, correct, similarity?}`).

One threshold for every entry is the compromise `semcache eval` measures; an entry whose answer was
served wrongly once will be served wrongly again to the next query as close as that one (vCache,
arXiv 2502.03771, learns a threshold per cached embedding for the same reason). So each entry keeps its
verdicts in its own HASH, inside `metadata` under `_feedback` (returned by every search, so the verifier
needs no extra read):

- `right`, `wrong`: how many served hits a client confirmed or reported;
- `bar`: the highest similarity at which a hit on it was reported wrong. The verifier then serves it only
  to queries strictly closer than that; a wrong report without a similarity sets the bar to 1.0, so the
  entry answers verbatim repeats (the exact path) and nothing else;
- `obs`: the newest reports that came with a similarity, `[similarity, 1 or 0]`, which CACHE_MAX_ERROR's
  per-entry bound learns from (`verify/bound.py`).

Feedback never serves below the global threshold: right reports only help an entry past the error bound,
so a client cannot loosen the cache beyond what its operator configured for other users of its tenant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from semcache.cache.base import Verdicts
from semcache.verify import bound

__all__ = ["BAR_TOLERANCE", "KEY", "Feedback", "as_metadata", "read", "record", "refusal", "updated"]

#: Where the state lives in an entry's metadata (the store's verdict script, cache/counters.py, writes it).
KEY = "_feedback"


@dataclass(frozen=True)
class Feedback:
    right: int = 0
    wrong: int = 0
    bar: float | None = None
    observations: tuple[bound.Observation, ...] = ()


def read(metadata: Mapping[str, object]) -> Feedback:
    raw = metadata.get(KEY)
    if not isinstance(raw, Mapping):
        return Feedback()
    bar = raw.get("bar")
    return Feedback(
        _int(raw.get("right")),
        _int(raw.get("wrong")),
        float(bar) if isinstance(bar, int | float) else None,
        bound.observations(raw.get("obs")),
    )


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def updated(fb: Feedback, *, correct: bool, similarity: float | None) -> Feedback:
    """What `record` makes of the state, in Python: the offline replay (`online.py`) applies reports with it."""
    seen = fb.observations
    if similarity is not None:
        seen = (*seen, bound.Observation(similarity, correct))[-bound.MAX_OBSERVATIONS :]
    if correct:
        return Feedback(fb.right + 1, fb.wrong, fb.bar, seen)
    at = 1.0 if similarity is None else similarity
    return Feedback(fb.right, fb.wrong + 1, at if fb.bar is None else max(fb.bar, at), seen)


def as_metadata(fb: Feedback) -> dict[str, object]:
    """The state as `record` stores it under `KEY`."""
    body: dict[str, object] = {"right": fb.right, "wrong": fb.wrong, "bar": fb.bar}
    if fb.observations:
        body["obs"] = [[o.similarity, int(o.correct)] for o in fb.observations]
    return body


#: The same query as a verdict's comes back at the same similarity give or take float noise: Redis returns
#: distances from float32 vectors and the bar is stored rounded, so a strict `<=` let the very query an
#: entry was judged wrong for through again (seen in the audit replay: 0.8178486228 over a bar of
#: 0.817848622799).
BAR_TOLERANCE = 1e-6


def refusal(metadata: Mapping[str, object], similarity: float, *, via_alias: bool = False) -> str | None:
    """Why an entry with this feedback must not be served at this similarity, or None. Found through an
    alias (`Candidate.via`), the similarity is to the alias's prompt, not to the one the bar was measured
    against: an entry ever reported wrong is then not served at all, rather than let an alias reach past
    its bar (a query judged wrong for the entry came back through an alias at a higher similarity)."""
    fb = read(metadata)
    if via_alias and fb.wrong > 0:
        return "feedback: reported wrong, not served through an alias"
    if fb.bar is not None and similarity <= fb.bar + BAR_TOLERANCE:
        return f"feedback: reported wrong at similarity {fb.bar:.3f}"
    return None


async def record(store: Verdicts, entry_id: str, *, correct: bool, similarity: float | None) -> Feedback | None:
    """Count a verdict on an entry (None: no such entry). `similarity` is the one the hit was served at.
    The store applies `updated` in one step (so concurrent reports never lose a count)."""
    state = await store.record_verdict(entry_id, correct=correct, similarity=similarity, keep=bound.MAX_OBSERVATIONS)
    return None if state is None else read({KEY: state})
