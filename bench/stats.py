"""Pure summaries of latency samples: medians and tails, never means alone (one GC pause lies in a mean)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict


class Summary(TypedDict):
    n: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (q in 0..100); NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def summarize(samples_s: Sequence[float]) -> Summary:
    """Seconds in, milliseconds out (rounded to µs: more digits would only be noise)."""
    ms = sorted(s * 1000.0 for s in samples_s)
    mean = sum(ms) / len(ms) if ms else math.nan
    return Summary(
        n=len(ms),
        p50_ms=round(percentile(ms, 50), 3),
        p90_ms=round(percentile(ms, 90), 3),
        p99_ms=round(percentile(ms, 99), 3),
        mean_ms=round(mean, 3),
        max_ms=round(ms[-1], 3) if ms else math.nan,
    )


def ratio(ours: float, theirs: float) -> float:
    """ours / theirs, or NaN when there is nothing to divide by."""
    return round(ours / theirs, 2) if theirs and not math.isnan(theirs) and not math.isnan(ours) else math.nan
