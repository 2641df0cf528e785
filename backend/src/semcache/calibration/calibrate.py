"""`semcache calibrate`: the threshold with the most right hits at a wrong-answer rate the user accepts,
measured on the user's own labelled pairs, written to a `.env` file that `Settings` reads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from semcache.calibration.metrics import Metrics, Observed, Verdicts, best_within, curve, grid

__all__ = ["pick", "recommend", "write_env"]

_KEYS = ("SEMANTIC_SIMILARITY_THRESHOLD", "SEMANTIC_DISTANCE_THRESHOLD")


def pick(observed: Sequence[Observed], said: Verdicts, target: float) -> Metrics | None:
    """Over all pairs pooled: the highest hit rate with wrong answers <= target (None if none reaches it)."""
    return best_within(curve(observed, said, grid(0.5, 0.99)), target)


def recommend(per_file: Sequence[Sequence[Metrics]], target: float) -> float:
    """One threshold for several files: the highest mean hit rate whose mean wrong-answer rate stays within
    the target (else the lowest mean wrong-answer rate). Curves share one grid of thresholds.

    Means over files, not "most files within the target": one file with noisy labels (Quora's) stays
    above 5% until almost nothing is served, and counting files let it drag the pick to 0.98."""
    best: tuple[bool, float, float] | None = None
    threshold: float | None = None
    for i, point in enumerate(per_file[0]):
        column = [points[i] for points in per_file]
        mean_wrong = sum(m.wrong_rate for m in column) / len(column)
        mean_hit = sum(m.hit_rate for m in column) / len(column)
        within = mean_wrong <= target + 1e-12
        key = (within, mean_hit if within else -mean_wrong, -point.threshold)
        if best is None or key > best:
            best, threshold = key, point.threshold
    if threshold is None:
        raise ValueError("no curves to recommend from")
    return threshold


def write_env(path: Path, similarity: float) -> None:
    """Set SEMANTIC_SIMILARITY_THRESHOLD in a .env file, keeping every other line (and dropping the
    distance form, which Settings refuses alongside it)."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    pattern = re.compile(rf"^\s*(export\s+)?({'|'.join(_KEYS)})\s*=")
    kept = [line for line in lines if not pattern.match(line)]
    kept.append(f"SEMANTIC_SIMILARITY_THRESHOLD={similarity:.2f}")
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
