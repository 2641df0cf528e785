"""Pure: the cache's live wrong-answer rate with a 95% interval, its trace over time, and what-if curves.

Three sources judge served or nearly-served answers, and they are counted apart because they answer
different questions (docs/audits.md):
- `audit`: a random share of semantic hits (CACHE_AUDIT_RATE) is also answered by the LLM and the two answers
  compared. A uniform sample of served hits, so its wrong share estimates the wrong rate among them;
- `miss`: a candidate the verifier refused compared with the LLM's answer on that miss (no extra call). Not
  served hits: it says how often the verifier's refusals were needed;
- `feedback`: clients' reports (`POST /cache/feedback`). Clients choose what to report, so it is no sample.
The headline rate, and the warning against CACHE_MAX_ERROR, come from audits alone.

The interval is Wilson's score interval (good coverage at small counts and near 0, unlike the normal
approximation). The judge that decides "wrong" errs too: `corrected` maps a rate through the judge's measured
false-alarm and miss rates (the Rogan-Gladen estimator); the judge's own uncertainty is not in the interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "KINDS",
    "MIN_JUDGED",
    "Z95",
    "Kind",
    "Point",
    "Rate",
    "Sample",
    "WhatIf",
    "corrected",
    "rate",
    "rates",
    "trace",
    "what_if",
    "wilson",
]

Kind = Literal["audit", "miss", "feedback"]
KINDS: tuple[Kind, ...] = ("audit", "miss", "feedback")
#: Judged answers a rate needs before it can raise a warning: with fewer, the interval spans so much of [0, 1]
#: that it crosses any bound (0 wrong of 20 still reaches 16%).
MIN_JUDGED = 20
#: The normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(wrong: int, n: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion; (0, 1) when nothing was judged."""
    if n <= 0:
        return 0.0, 1.0
    p = wrong / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def corrected(p: float, *, false_alarm: float, miss: float) -> float:
    """The true rate behind an observed one, given the judge's chance to call a right answer wrong
    (`false_alarm`) and a wrong one right (`miss`): observed = p (1 - miss) + (1 - p) false_alarm."""
    informative = 1.0 - false_alarm - miss
    if informative <= 0:
        return p
    return min(1.0, max(0.0, (p - false_alarm) / informative))


@dataclass(frozen=True)
class Rate:
    judged: int
    wrong: int
    estimate: float
    low: float
    high: float

    def above(self, bound: float | None) -> bool:
        """The interval's upper end crosses the bound, once `MIN_JUDGED` answers were judged."""
        return bound is not None and self.judged >= MIN_JUDGED and self.high > bound


def rate(wrong: int, judged: int, *, false_alarm: float = 0.0, miss: float = 0.0) -> Rate:
    low, high = wilson(wrong, judged)
    point = wrong / judged if judged else 0.0

    def fix(p: float) -> float:
        return corrected(p, false_alarm=false_alarm, miss=miss)

    return Rate(judged, wrong, fix(point), fix(low), fix(high))


def rates(counts: Mapping[str, float], **judge: float) -> dict[str, dict[Kind, Rate]]:
    """Per namespace ("*" = all) and source, from counter fields `{kind}:{right|wrong}:{namespace}`."""
    tally: dict[str, dict[Kind, list[int]]] = {}
    for field, value in counts.items():
        parts = field.split(":", 2)
        if len(parts) != 3 or parts[0] not in KINDS or parts[1] not in ("right", "wrong"):
            continue
        kind = _kind(parts[0])
        for namespace in (parts[2], "*"):
            cell = tally.setdefault(namespace, {}).setdefault(kind, [0, 0])
            cell[parts[1] == "wrong"] += int(value)
    return {
        ns: {k: rate(c[1], c[0] + c[1], **(judge if k != "feedback" else {})) for k, c in kinds.items()}
        for ns, kinds in tally.items()
    }


def _kind(name: str) -> Kind:
    return next(k for k in KINDS if k == name)


@dataclass(frozen=True)
class Point:
    ts: float
    judged: int
    estimate: float
    low: float
    high: float


def trace(verdicts: Sequence[tuple[float, bool]], *, points: int = 120) -> list[Point]:
    """The cumulative rate and interval after each verdict `(ts, wrong)` (oldest first), thinned to
    about `points` points (the last one always kept)."""
    out: list[Point] = []
    step = max(1, math.ceil(len(verdicts) / points))
    wrong = 0
    for i, (ts, is_wrong) in enumerate(verdicts, start=1):
        wrong += int(is_wrong)
        if i % step == 0 or i == len(verdicts):
            low, high = wilson(wrong, i)
            out.append(Point(ts, i, wrong / i, low, high))
    return out


@dataclass(frozen=True)
class Sample:
    """One audited semantic hit: the similarity it was served at, and the judge's verdict."""

    similarity: float
    wrong: bool


@dataclass(frozen=True)
class WhatIf:
    similarity: float  # the cut-off: semantic hits below it would have been misses
    hit_rate: float
    wrong_rate: float  # among semantic hits served at this cut-off
    wrong_high: float  # the interval's upper end
    net_saved_usd: float


def what_if(samples: Sequence[Sample], *, looked_up: int, exact_hits: int, semantic_hits: int, saved_per_hit: float,
            audit_cost_per_hit: float, audit_rate: float, cutoffs: Iterable[float]) -> list[WhatIf]:  # fmt: skip
    """Hit rate, wrong rate and net savings had semantic hits needed at least each cut-off.

    The audited hits are a uniform sample of the semantic hits, so the share of them at or above a cut-off
    estimates the share of semantic hits that would remain. Only cut-offs at or above the ones served can be
    judged this way (below, no answer was served to audit). Net savings: what the hits saved, minus what
    auditing them at `audit_rate` cost. Exact hits (verbatim repeats) are never audited and count as right.
    """
    out = []
    for cut in cutoffs:
        kept = [s for s in samples if s.similarity >= cut]
        share = len(kept) / len(samples) if samples else 0.0
        semantic = semantic_hits * share
        hits = exact_hits + semantic
        wrong = sum(s.wrong for s in kept)
        _, high = wilson(wrong, len(kept))
        net = hits * saved_per_hit - semantic * audit_rate * audit_cost_per_hit
        out.append(
            WhatIf(round(cut, 4), hits / looked_up if looked_up else 0.0, wrong / len(kept) if kept else 0.0, high, net)
        )
    return out
