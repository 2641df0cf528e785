"""Per-entry thresholds from feedback: reading the verdicts, the verifier's use of them, the online replay."""

from __future__ import annotations

import pytest

from semcache.cache.models import Candidate, Entry
from semcache.calibration.metrics import Observed
from semcache.calibration.online import score_online
from semcache.config import Settings
from semcache.errors import CacheUnavailableError
from semcache.verify import feedback
from semcache.verify.bound import MAX_OBSERVATIONS, Observation
from semcache.verify.verifier import build_verifier
from tests.support.fakes import MemoryVerdicts


def cand(entry_id: str, prompt: str, similarity: float, metadata: dict[str, object] | None = None) -> Candidate:
    return Candidate(Entry(entry_id, prompt, prompt.lower(), "x", {}, 0.0, metadata=metadata or {}), 1.0 - similarity)


def test_an_entry_reported_wrong_is_served_only_closer_than_that() -> None:
    meta: dict[str, object] = {"_feedback": {"right": 3, "wrong": 1, "bar": 0.95}}
    assert feedback.read(meta) == feedback.Feedback(3, 1, 0.95)
    assert feedback.refusal(meta, 0.95) is not None and feedback.refusal(meta, 0.96) is None
    assert feedback.refusal({}, 0.93) is None and feedback.read({"_feedback": "junk"}) == feedback.Feedback()


def test_the_bar_holds_against_float_noise_at_the_same_similarity() -> None:
    # Stored rounded, read back from float32 distances: the same query must not slip over its own bar.
    meta: dict[str, object] = {"_feedback": {"right": 0, "wrong": 1, "bar": 0.817848622799}}
    assert feedback.refusal(meta, 0.8178486228) is not None
    assert feedback.refusal(meta, 0.8179) is None


def test_an_entry_reported_wrong_is_not_served_through_an_alias() -> None:
    # The alias's similarity is to another prompt than the one the bar was measured to: it cannot lift it.
    meta: dict[str, object] = {"_feedback": {"right": 3, "wrong": 1, "bar": 0.85}}
    assert feedback.refusal(meta, 0.86) is None
    assert feedback.refusal(meta, 0.86, via_alias=True) is not None
    assert feedback.refusal({"_feedback": {"right": 3, "wrong": 0}}, 0.86, via_alias=True) is None


def test_the_verifier_reads_the_feedback_in_the_metadata() -> None:
    verify = build_verifier(Settings(CACHE_VERIFY_READER=False))
    assert verify is not None
    fresh = cand("1", "How do I reset my password?", 0.94)
    judged = cand("1", "How do I reset my password?", 0.94, {"_feedback": {"right": 0, "wrong": 1, "bar": 0.94}})
    assert verify("How can I reset my password?", fresh, [fresh])
    assert not verify("How can I reset my password?", judged, [judged])


def test_online_replay_stops_repeating_a_reported_wrong_answer() -> None:
    wrong = cand("a", "How do I top up by card?", 0.95)
    rows = [Observed("How do I top up my card?", True, None, (wrong,), frozenset()) for _ in range(4)]
    m = score_online(rows, build_verifier(Settings(CACHE_VERIFY_READER=False)), 0.92)
    assert (m.served, m.wrong) == (1, 1)  # the first wrong answer counts; its repeats are refused


async def test_record_counts_through_the_store_and_reads_back_its_state() -> None:
    store = MemoryVerdicts()
    store.states["e1"] = {}
    first = await feedback.record(store, "e1", correct=True, similarity=0.93)
    second = await feedback.record(store, "e1", correct=False, similarity=0.95)
    assert first == feedback.Feedback(1, 0, None, (Observation(0.93, True),))
    assert second == feedback.Feedback(1, 1, 0.95, (Observation(0.93, True), Observation(0.95, False)))
    assert store.keeps == [MAX_OBSERVATIONS, MAX_OBSERVATIONS]  # the store keeps what the bound learns from


async def test_record_on_a_missing_entry_is_none_and_an_outage_propagates() -> None:
    store = MemoryVerdicts()
    assert await feedback.record(store, "gone", correct=False, similarity=None) is None
    store.states["e1"] = {}
    store.outage.down = True
    with pytest.raises(CacheUnavailableError):
        await feedback.record(store, "e1", correct=True, similarity=None)
