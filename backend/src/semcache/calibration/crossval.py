"""Pure: leave-one-file-out cross-validation (`semcache eval --cv files`).

For each file, every choice (model weights, threshold, cut-off, guards) is fitted by `learn.fit` on the
other files only and scored on the file left out, against the best static threshold of the same
embedder on that file at the same wrong-answer rate. The static baseline is picked with hindsight on
the held-out file itself, so the gain it gives is a lower bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from semcache.calibration.learn import CUTOFFS, Choice, fit, score_choice
from semcache.calibration.metrics import Metrics, best_within, grid
from semcache.calibration.table import Table, static_curve

__all__ = ["Fold", "leave_one_file_out"]


@dataclass(frozen=True)
class Fold:
    name: str
    has_negatives: bool
    choice: Choice  # fitted without this file
    held_out: Metrics
    baseline: Metrics | None  # best static threshold on this file at no higher wrong-answer rate

    @property
    def gain(self) -> float | None:
        if self.baseline is None or self.baseline.hit_rate == 0:
            return None
        return self.held_out.hit_rate / self.baseline.hit_rate


def fold(held: Table, rest: Sequence[Table], target: float, *, cutoffs: Sequence[float] = CUTOFFS) -> Fold:
    choice = fit(rest, target, cutoffs=cutoffs)
    m = score_choice(held, choice)
    return Fold(held.name, held.has_negatives, choice, m, best_within(static_curve(held, grid()), m.wrong_rate))


def leave_one_file_out(tables: Sequence[Table], target: float, *,
                       cutoffs: Sequence[float] = CUTOFFS) -> list[Fold]:  # fmt: skip
    return [fold(t, [o for o in tables if o is not t], target, cutoffs=cutoffs) for t in tables]
