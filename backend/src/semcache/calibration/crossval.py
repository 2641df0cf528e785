"""Pure: leave-one-file-out cross-validation (`semcache eval --cv files`); files of one source
(`SAME_SOURCE`) leave together.

For each file, every choice (model weights, threshold, cut-off, guards) is fitted by `learn.fit` on the
other files only and scored on the file left out, against the best static threshold of the same
embedder on that file at the same wrong-answer rate. The static baseline is picked with hindsight on
the held-out file itself, so the gain it gives is a lower bound.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from semcache.calibration.learn import CUTOFFS, Choice, fit, predicted_wrong, probabilities, score_choice
from semcache.calibration.metrics import Metrics, best_within, grid
from semcache.calibration.table import Table, static_curve

__all__ = ["EDGES", "SAME_SOURCE", "Bin", "Fold", "ViewRow", "by_view", "calibration", "leave_one_file_out"]

#: Files drawn from one source (../shared/data/README.md): held out together, never one fitted to score the
#: other. Quora's two files share questions across their pairs.
SAME_SOURCE = {"quora_question_pairs": "quora", "meancache_test": "quora"}


def _source(name: str) -> str:
    return SAME_SOURCE.get(name, name)


@dataclass(frozen=True)
class Fold:
    name: str
    has_negatives: bool
    choice: Choice  # fitted without this file
    held_out: Metrics
    baseline: Metrics | None  # best static threshold on this file at no higher wrong-answer rate
    #: The model's mean predicted chance of a wrong answer over the single prompts served (None: model off,
    #: or none served).
    predicted_wrong: float | None = None

    @property
    def gain(self) -> float | None:
        if self.baseline is None or self.baseline.hit_rate == 0:
            return None
        return self.held_out.hit_rate / self.baseline.hit_rate


def fold(held: Table, rest: Sequence[Table], target: float, *, cutoffs: Sequence[float] = CUTOFFS) -> Fold:
    choice = fit(rest, target, cutoffs=cutoffs)
    m = score_choice(held, choice)
    baseline = best_within(static_curve(held, grid()), m.wrong_rate)
    predicted = predicted_wrong(held, choice) if choice.model.min_probability > 0 else None
    return Fold(held.name, held.has_negatives, choice, m, baseline, predicted)


def leave_one_file_out(tables: Sequence[Table], target: float, *,
                       cutoffs: Sequence[float] = CUTOFFS) -> list[Fold]:  # fmt: skip
    return [fold(t, [o for o in tables if _source(o.name) != _source(t.name)], target, cutoffs=cutoffs) for t in tables]


@dataclass(frozen=True)
class ViewRow:
    name: str
    view: str  # how its conversation keys were judged (`table.VIEWS`)
    held_out: Metrics


def by_view(views: Sequence[Table], fold: Fold) -> list[ViewRow]:
    """One held-out file, built once per conversation view, each scored by the same fold's choice: the
    model was fitted on single prompts of other files, so only the way chats are judged differs."""
    return [ViewRow(t.name, t.view, score_choice(t, fold.choice)) for t in views]


#: Probability bins of the calibration table.
EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0)


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    rows: int
    predicted: float  # mean predicted probability that serving the nearest is right
    observed: float  # share of those rows where it is right


def calibration(tables: Sequence[Table], folds: Sequence[Fold]) -> list[Bin]:
    """Held-out calibration: each file's rows inside its fold's threshold, scored by its fold's model
    (never fitted on that file), pooled and binned by predicted probability."""
    by_name = {t.name: t for t in tables}
    preds: list[float] = []
    right: list[bool] = []
    for f in folds:
        t, model = by_name[f.name], f.choice.model
        keep = (t.similarity >= model.min_similarity) & ~t.conversation
        p = probabilities(t, np.asarray(model.weights), model.bias)
        preds += p[keep].tolist()
        right += t.right[keep].tolist()
    p_all, r_all = np.asarray(preds), np.asarray(right, dtype=bool)
    out = []
    for lo, hi in itertools.pairwise(EDGES):
        inside = (p_all >= lo) & ((p_all < hi) if hi < 1.0 else (p_all <= hi))
        if inside.any():
            out.append(Bin(lo, hi, int(inside.sum()), float(p_all[inside].mean()), float(r_all[inside].mean())))
    return out
