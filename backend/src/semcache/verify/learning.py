"""A namespace's similarity threshold, learned from its audits within limits the operator sets.

Off unless the operator sets both limits (CACHE_LEARN_SIMILARITY_MIN and _MAX; CACHE_MAX_ERROR is the target).
Each (tenant, namespace) starts at the configured threshold, held inside the limits. After every audit the
namespace's evidence since its threshold last moved decides (`step`, pure):
- the audited wrong rate's 95% interval lies above CACHE_MAX_ERROR (its lower end is over it): the evidence
  shows the namespace too loose, so it becomes one step stricter (never above the ceiling);
- the interval's upper end is at most half the bound: the evidence shows the rate well below it, so one step
  looser (never below the operator's floor, even where that is looser than the configured threshold);
- anything else, or fewer than `MIN_JUDGED` audits since the last move: it stays, and the audits keep
  adding up until they show one or the other.
Both moves need evidence. Moving up whenever the upper end was above the bound ("cannot show it is within")
ratcheted: 20 clean audits still have an upper end of 16%, so every namespace climbed to its ceiling one
batch at a time, whatever its rate.
Only evidence gathered after a move counts for the next one: audits at the old threshold say nothing about
the new one, and a namespace cannot run to a limit on one burst of verdicts.

The value lives in Redis (`cache/thresholds.py`) so every replica serves the same threshold; each replica
reads it back every few seconds (`Thresholds`), and a move is a compare-and-set, so two replicas deciding at
once move it one step, not two.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from semcache.telemetry.errorrate import MIN_JUDGED, wilson

__all__ = ["REFRESH_S", "Learned", "Limits", "ThresholdStore", "Thresholds", "step"]

#: How often a replica re-reads the learned thresholds (another replica may have moved one).
REFRESH_S = 5.0


@dataclass(frozen=True)
class Limits:
    floor: float  # similarity: the loosest the namespace may become
    ceiling: float  # similarity: the strictest
    step: float
    max_error: float
    min_judged: int = MIN_JUDGED

    def clamp(self, similarity: float) -> float:
        return min(self.ceiling, max(self.floor, similarity))


@dataclass(frozen=True)
class Learned:
    """A namespace's similarity threshold, and its audit counts when it was set."""

    similarity: float
    judged: int = 0
    wrong: int = 0


def step(state: Learned, judged: int, wrong: int, limits: Limits) -> Learned | None:
    """The namespace's next threshold from its audit counts (`judged`, `wrong`, cumulative), or None to stay."""
    if judged < state.judged or wrong < state.wrong:  # the counters were cleared: start counting again
        state = Learned(state.similarity)
    n, w = judged - state.judged, wrong - state.wrong
    if n < limits.min_judged:
        return None
    low, high = wilson(w, n)
    current = limits.clamp(state.similarity)
    if low > limits.max_error and current < limits.ceiling:
        return Learned(round(limits.clamp(current + limits.step), 6), judged, wrong)
    if high <= limits.max_error / 2 and current > limits.floor:
        return Learned(round(limits.clamp(current - limits.step), 6), judged, wrong)
    return None


class ThresholdStore(Protocol):
    """Where the learned thresholds live, shared by replicas (cache/thresholds.py)."""

    async def read(self) -> dict[tuple[str, str], Learned]: ...

    async def move(self, tenant: str, namespace: str, expected: Learned | None, new: Learned) -> bool: ...


class Thresholds:
    """The learned thresholds as this replica last read them, and the moves its audits make."""

    def __init__(self, store: ThresholdStore, limits: Limits, *, configured: float) -> None:
        self.store = store
        self.limits = limits
        self.configured = configured
        self._known: dict[tuple[str, str], Learned] = {}
        self._read_at = float("-inf")

    def similarity(self, tenant: str, namespace: str) -> float:
        known = self._known.get((tenant, namespace))
        return self.limits.clamp(known.similarity if known is not None else self.configured)

    def distance(self, tenant: str, namespace: str) -> float:
        return 1.0 - self.similarity(tenant, namespace)

    def stale(self) -> bool:
        return time.monotonic() - self._read_at >= REFRESH_S

    def due(self) -> bool:
        """Whether to refresh now; True once per `REFRESH_S` (marked here, so a burst of lookups asks once)."""
        if not self.stale():
            return False
        self._read_at = time.monotonic()
        return True

    def known(self, tenant: str | None = None) -> Mapping[tuple[str, str], Learned]:
        return {k: v for k, v in self._known.items() if tenant is None or k[0] == tenant}

    async def refresh(self) -> None:
        self._read_at = time.monotonic()  # first, so concurrent callers do not all read
        self._known = await self.store.read()

    async def learn(self, tenant: str, namespace: str, judged: int, wrong: int) -> Learned | None:
        """Move the namespace's threshold if its evidence says so; the new state, or None."""
        current = self._known.get((tenant, namespace))
        state = current or Learned(self.limits.clamp(self.configured))
        new = step(state, judged, wrong, self.limits)
        if new is None:
            return None
        if not await self.store.move(tenant, namespace, current, new):
            await self.refresh()  # another replica moved it first: take its value, decide again next audit
            return None
        self._known[(tenant, namespace)] = new
        return new
