"""verify/learning.py: a namespace's threshold moves on its audits' evidence, one step at a time, never
outside the operator's limits, and only on evidence gathered since its last move."""

from __future__ import annotations

import pytest

from semcache.verify.learning import Learned, Limits, Thresholds, step

LIMITS = Limits(floor=0.85, ceiling=0.95, step=0.01, max_error=0.05)


def test_too_few_audits_since_the_last_move_decide_nothing() -> None:
    assert step(Learned(0.90), judged=19, wrong=19, limits=LIMITS) is None
    assert step(Learned(0.90, judged=100, wrong=10), judged=119, wrong=29, limits=LIMITS) is None


def test_an_interval_above_the_bound_makes_it_stricter_up_to_the_ceiling() -> None:
    # 8 wrong of 40: 95% interval 10.5%-34.8%, all of it above 5%.
    assert step(Learned(0.90), judged=40, wrong=8, limits=LIMITS) == Learned(0.91, 40, 8)
    assert step(Learned(0.945), judged=40, wrong=8, limits=LIMITS) == Learned(0.95, 40, 8)
    assert step(Learned(0.95), judged=40, wrong=8, limits=LIMITS) is None


def test_a_rate_well_below_the_bound_makes_it_looser_never_below_the_floor() -> None:
    # 0 wrong of 200: upper end 1.9%, at most half of 5%.
    assert step(Learned(0.90), judged=200, wrong=0, limits=LIMITS) == Learned(0.89, 200, 0)
    assert step(Learned(0.85), judged=200, wrong=0, limits=LIMITS) is None
    assert step(Learned(0.80), judged=200, wrong=0, limits=LIMITS) is None  # held at the floor


def test_between_the_two_it_stays() -> None:
    # 4 wrong of 40 (4.0%-23.1%) and 1 of 100 (0.2%-5.4%) may be either side of 5%; 0 of 100 (upper end
    # 3.7%) is within it but not well below.
    for judged, wrong in ((40, 4), (100, 1), (100, 0)):
        assert step(Learned(0.90), judged=judged, wrong=wrong, limits=LIMITS) is None, (judged, wrong)


def test_clean_audits_never_make_it_stricter() -> None:
    # 0 wrong of 20 still has an upper end of 16%: moving up on "cannot show it is within the bound"
    # ratcheted every namespace to its ceiling, 20 audits a step.
    for judged in range(20, 400, 20):
        new = step(Learned(0.90), judged=judged, wrong=0, limits=LIMITS)
        assert new is None or new.similarity < 0.90, judged


def test_cleared_counters_start_the_evidence_again() -> None:
    assert step(Learned(0.90, judged=500, wrong=20), judged=40, wrong=8, limits=LIMITS) == Learned(0.91, 40, 8)


class MemoryStore:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], Learned] = {}
        self.moves = 0

    async def read(self) -> dict[tuple[str, str], Learned]:
        return dict(self.values)

    async def move(self, tenant: str, namespace: str, expected: Learned | None, new: Learned) -> bool:
        if self.values.get((tenant, namespace)) != expected:
            return False
        self.values[(tenant, namespace)] = new
        self.moves += 1
        return True


async def test_replicas_move_a_namespace_once_and_agree() -> None:
    store = MemoryStore()
    one, two = (Thresholds(store, LIMITS, configured=0.92) for _ in range(2))
    assert one.similarity("t", "ns") == pytest.approx(0.92) and one.distance("t", "ns") == pytest.approx(0.08)
    assert await one.learn("t", "ns", 40, 8) == Learned(0.93, 40, 8)
    assert await two.learn("t", "ns", 40, 8) is None  # decided from a stale copy: refused, then read back
    assert store.moves == 1 and two.similarity("t", "ns") == pytest.approx(0.93)
    assert one.similarity("t", "other") == pytest.approx(0.92) and list(one.known("u")) == []


def test_a_configured_threshold_outside_the_limits_is_held_inside() -> None:
    assert Thresholds(MemoryStore(), LIMITS, configured=0.99).similarity("t", "") == pytest.approx(0.95)
