"""Pure: CACHE_MAX_ERROR measured as a stream (`online.replay`) on each file, with the cross-validation
fold's model (fitted without that file) as the bound's prior, beside that fold's static settings."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from semcache.cache.semantic import Verifier
from semcache.calibration.crossval import Fold
from semcache.calibration.metrics import Observed
from semcache.calibration.online import Stream, replay
from semcache.calibration.report import pct
from semcache.verify.learning import Limits
from semcache.verify.verifier import make_verifier, parse_guards

__all__ = ["BoundRow", "bound_row", "bound_section"]

#: The global threshold under the bound: the floor of the band the model decides in, so the bound decides.
THRESHOLD = 0.90
BOUNDS = (0.05, 0.10)
EXPLORE_RATE = 0.1
#: Threshold learning replayed with the first bound as its target (CACHE_LEARN_SIMILARITY_MIN/MAX, _STEP),
#: every served hit audited: the most evidence a namespace can have.
LEARN = Limits(floor=0.85, ceiling=0.99, step=0.01, max_error=BOUNDS[0])


@dataclass(frozen=True)
class BoundRow:
    name: str
    static: Stream  # the fold's fitted threshold, cut-off and guards, every hit reported
    bounded: tuple[Stream, ...]  # per BOUNDS, every hit reported
    explored: Stream  # the last bound, no client reports: exploration and comparison on misses only
    learned: Stream  # the first bound, its threshold learned from audits (`LEARN`)


def bound_row(name: str, observed: Sequence[Observed], fold: Fold, *, seed: int = 0) -> BoundRow:
    # Shuffled once (seeded): some files are sorted by label, which would make "later" mean "negatives".
    stream = random.Random(seed).sample(list(observed), len(observed))
    c = fold.choice
    guards = parse_guards(",".join(c.guards), max_edit=1)
    static = make_verifier(guards, nearest_only=True, model=c.model)

    def bound(eps: float) -> Verifier:
        return make_verifier(guards, nearest_only=True, model=c.model, max_error=eps)

    return BoundRow(
        name,
        replay(stream, static, c.model.min_similarity),
        tuple(replay(stream, bound(eps), THRESHOLD) for eps in BOUNDS),
        replay(stream, bound(BOUNDS[-1]), THRESHOLD, report_hits=False, explore_rate=EXPLORE_RATE,
               compare_misses=True),
        replay(stream, bound(BOUNDS[0]), THRESHOLD, report_hits=False, audit_rate=1.0, compare_misses=True,
               limits=LEARN),
    )  # fmt: skip


def _hw(s: Stream) -> str:
    return f"{pct(s.metrics.hit_rate)} / {pct(s.metrics.wrong_rate)}"


def bound_table(rows: Sequence[BoundRow]) -> str:
    eps = " | ".join(f"max error {pct(e)}: hit / wrong | second half" for e in BOUNDS)
    head = (
        f"| held-out file | fold's static settings: hit / wrong | {eps} "
        f"| max error {pct(BOUNDS[-1])}, exploring: hit / wrong | LLM calls to explore | misses compared |\n"
        f"|---|---|{'---|---|' * len(BOUNDS)}---|---:|---:|\n"
    )
    lines = []
    for r in rows:
        cells = " | ".join(f"{_hw(b)} | {_hw_half(b)}" for b in r.bounded)
        lines.append(
            f"| {r.name} | {_hw(r.static)} | {cells} | {_hw(r.explored)} | {r.explored.explored} "
            f"| {r.explored.compared} |"
        )
    return head + "\n".join(lines) + "\n"


def _hw_half(s: Stream) -> str:
    h = s.halves[1]
    return f"{pct(h.hit_rate)} / {pct(h.wrong_rate)}"


def learned_table(rows: Sequence[BoundRow]) -> str:
    head = (
        f"| held-out file | max error {pct(BOUNDS[0])}: hit / wrong | threshold learned: hit / wrong | second half "
        "| threshold at the end | audits |\n|---|---|---|---|---:|---:|\n"
    )
    return head + "\n".join(_learned_line(r) for r in rows) + "\n"


def _learned_line(r: BoundRow) -> str:
    end = r.learned.similarity
    assert end is not None  # replayed with `limits`: the stream reports where its threshold ended
    cells = f"{_hw(r.bounded[0])} | {_hw(r.learned)} | {_hw_half(r.learned)}"
    return f"| {r.name} | {cells} | {end:.2f} | {r.learned.audited} |"


def bound_section(rows: Sequence[BoundRow]) -> list[str]:
    return [
        "## Error-bounded thresholds (CACHE_MAX_ERROR), replayed as a stream\n",
        METHOD,
        bound_table(rows),
        LEARNED,
        learned_table(rows),
    ]


METHOD = f"""Each file's lookups replayed one by one in a seeded shuffled order (`calibration/online.py`), each
decided with the per-entry state the rows before it left (`verify/bound.py`): an entry is served only
while the estimated chance of a wrong answer stays within the bound, the estimate starting from the pair
model's doubt (the model of the cross-validation fold, fitted without this file) and updated by that
entry's own verdicts. Global threshold {THRESHOLD:.2f} under the bound (the band floor; the bound decides
within it); the fold's own guards still run. Columns "hit / wrong": every served hit is reported back with
its similarity (`POST /cache/feedback`, the labels standing in for the client). "Second half": the same
figures over the second half of the stream only, once entries have had reports. "Exploring": no client
reports; instead {pct(EXPLORE_RATE)} of allowed hits are answered by the LLM and compared (an extra LLM call
each), and every refused candidate within the threshold is compared with the LLM's answer on the miss
(no extra call); the labels stand in for the comparison. The bound is per decision: an entry is served
when its own estimated chance of being wrong is within it, so on files whose labels are harder than
the model's training data (meancache_test) the served hits can still exceed it. Conversation keys are
not bounded (the model does not score them; their history rule decides), so fow_cache_conversations only
shows that rule at the lower threshold.
"""

LEARNED = f"""
With the namespace's threshold learned from audits (`verify/learning.py`, docs/audits.md): the same
stream under max error {pct(BOUNDS[0])}, the threshold starting at {THRESHOLD:.2f} and moving by {LEARN.step} within
[{LEARN.floor:.2f}, {LEARN.ceiling:.2f}] on the audits since its last move. Every served hit is audited (the
labels stand in for the answer judge; its verdict also teaches the entry) and refused candidates are
compared on the miss; no client reports. Each file is one namespace.
"""
