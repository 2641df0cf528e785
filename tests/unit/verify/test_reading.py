"""The second stage's logit as a pair-model feature: parsed, weighed, and a candidate without it refused."""

from __future__ import annotations

import asyncio

from semcache.cache.models import Candidate, Entry
from semcache.cache.semantic import read_nearest
from semcache.config import DEFAULT_SIMILARITY_THRESHOLD, READER_SIMILARITY_THRESHOLD, Settings
from semcache.verify.features import NAMES, READER
from semcache.verify.model import PairModel, parse, shipped
from semcache.verify.verifier import make_verifier


def cand(prompt: str, similarity: float, reader: float | None = None) -> Candidate:
    return Candidate(Entry("e", prompt, prompt.lower(), "answer", {}, 0.0), 1.0 - similarity, reader=reader)


def reading_model() -> PairModel:
    """Only the reader's logit counts."""
    return PairModel((*(0.0 for _ in NAMES), 1.0), 0.0, 0.8, 0.5, reads=True)


def test_a_reading_model_round_trips_with_its_extra_feature() -> None:
    model = reading_model()
    assert model.features == (*NAMES, READER)
    assert parse(model.to_json({})) == model


def test_the_shipped_reading_model_reads_and_the_other_does_not() -> None:
    assert shipped(reader=True).reads and not shipped().reads
    assert shipped(reader=True).min_similarity == READER_SIMILARITY_THRESHOLD
    assert shipped().min_similarity == DEFAULT_SIMILARITY_THRESHOLD


def test_the_verifier_serves_by_the_readers_logit_and_refuses_an_unread_candidate() -> None:
    verify = make_verifier((), nearest_only=True, model=reading_model())
    query = "Flights from Boston to Denver"
    same, other, unread = cand(query, 0.99, 3.0), cand(query, 0.99, -3.0), cand(query, 0.99)
    assert verify(query, same, [same])
    assert not verify(query, other, [other])
    assert not verify(query, unread, [unread])  # fail closed: the reader failed or never ran


def test_settings_read_only_where_asked_and_the_pair_model_decides() -> None:
    off = Settings(_env_file=None)
    assert not off.reads and off.distance_threshold == 1.0 - DEFAULT_SIMILARITY_THRESHOLD
    on = Settings(_env_file=None, CACHE_VERIFY_READER=True)
    assert on.reads and on.distance_threshold == 1.0 - READER_SIMILARITY_THRESHOLD
    assert not Settings(_env_file=None, CACHE_VERIFY_READER=True, CACHE_VERIFY_MODEL=False).reads
    assert Settings(_env_file=None, CACHE_VERIFY_READER=True, CACHE_VERIFY_MODEL=False, CACHE_MAX_ERROR=0.05).reads
    assert not Settings(_env_file=None, CACHE_VERIFY_READER=True, CACHE_VERIFY=False).reads


def _read(logit: float | Exception) -> list[str]:
    seen: list[str] = []

    async def read(query: str, cached: str) -> float:
        seen.append(cached)
        if isinstance(logit, Exception):
            raise logit
        return logit

    candidates = [cand("How do I reset my password?", 0.95), cand("How do I change my password?", 0.93)]
    out = asyncio.run(read_nearest(read, "How can I reset my password?", candidates, 0.10))
    return [*seen, *(str(c.reader) for c in out)]


def test_only_the_nearest_within_the_threshold_is_read() -> None:
    assert _read(2.5) == ["How do I reset my password?", "2.5", "None"]


def test_a_failing_reader_leaves_the_candidate_unread() -> None:
    assert _read(RuntimeError("onnx")) == ["How do I reset my password?", "None", "None"]


def test_far_candidates_and_conversations_are_not_read() -> None:
    async def read(query: str, cached: str) -> float:
        raise AssertionError("not read")

    far = [cand("How do I reset my password?", 0.70)]
    assert asyncio.run(read_nearest(read, "How can I reset my password?", far, 0.10)) == far
    chat = [cand("user: hi\nassistant: hello\nuser: reset my password", 0.99)]
    assert asyncio.run(read_nearest(read, "user: hey\nassistant: hello\nuser: reset my password", chat, 0.10)) == chat
