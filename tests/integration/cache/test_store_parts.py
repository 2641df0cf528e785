"""The store's verdicts, flight locks and index drop against real Redis: what moved into cache/ from the
feedback module and the eval behaves as the Python model of it says."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest
import redis.asyncio as aioredis

from semcache.cache.models import NewEntry
from semcache.cache.redis import RedisStore
from semcache.cache.schema import IndexSpec
from semcache.errors import CacheUnavailableError
from semcache.verify import feedback
from semcache.verify.bound import MAX_OBSERVATIONS
from tests.conftest import unique_prefix

DIMS = 8
SCOPE = {"tenant": "t"}
VECTOR = np.ones(DIMS, dtype=np.float32) / np.sqrt(DIMS)


@pytest.fixture
async def store(raw_redis: aioredis.Redis) -> AsyncIterator[RedisStore]:
    s = RedisStore(raw_redis, IndexSpec(prefix=unique_prefix(), fingerprint="store-parts-test", dims=DIMS))
    await s.ensure_index()
    try:
        yield s
    finally:
        await s.drop_index()


async def test_verdicts_in_redis_follow_the_python_model_and_keep_the_newest(store: RedisStore) -> None:
    await store.put("e1", NewEntry("p", "p", "a", dict(SCOPE), metadata={"source": "docs"}), VECTOR, ttl=60)
    model = feedback.Feedback()
    reports = [(True, 0.93), (False, 0.95), (False, None), (True, 0.97), *[(True, 0.9)] * MAX_OBSERVATIONS]
    for correct, similarity in reports:
        stored = await feedback.record(store, "e1", correct=correct, similarity=similarity)
        model = feedback.updated(model, correct=correct, similarity=similarity)
        assert stored == model
    entry = await store.get("e1")
    assert entry is not None and entry.metadata["source"] == "docs"  # the rest of the metadata is kept
    assert feedback.read(entry.metadata) == model and len(model.observations) == MAX_OBSERVATIONS
    assert 0 < (await store.ttl_left("e1") or 0) <= 60  # a verdict does not touch the entry's expiry


async def test_a_verdict_on_a_missing_entry_creates_nothing(store: RedisStore) -> None:
    assert await store.record_verdict("gone", correct=False, similarity=0.9, keep=MAX_OBSERVATIONS) is None
    assert not await store.client.exists(store.spec.entry_key("gone"))


async def test_only_the_holder_releases_a_flight_lock(store: RedisStore) -> None:
    assert await store.acquire_flight("e1", "leader", ttl_ms=10_000)
    assert not await store.acquire_flight("e1", "follower", ttl_ms=10_000)
    await store.release_flight("e1", "follower")
    assert await store.flight_held("e1")
    await store.release_flight("e1", "leader")
    assert not await store.flight_held("e1")


async def test_dropping_the_index_deletes_its_entries_and_a_second_drop_is_an_error(
    raw_redis: aioredis.Redis,
) -> None:
    store = RedisStore(raw_redis, IndexSpec(prefix=unique_prefix(), fingerprint="store-parts-drop", dims=DIMS))
    await store.ensure_index()
    await store.put("e1", NewEntry("p", "p", "a", dict(SCOPE)), VECTOR, ttl=None)
    await store.drop_index()
    assert not await raw_redis.exists(store.spec.entry_key("e1"))
    with pytest.raises(CacheUnavailableError):
        await store.drop_index()
