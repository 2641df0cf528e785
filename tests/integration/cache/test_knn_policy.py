"""The KNN search names HNSW batches only for a scope that is most of the index, and finds the same
entries whichever way RediSearch runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import numpy.typing as npt
import pytest
import redis.asyncio as aioredis

from semcache.cache.query import BATCHES_MIN_DOCS
from semcache.cache.redis import RedisStore
from semcache.cache.schema import IndexSpec
from tests.conftest import unique_prefix

DIMS = 8
BIG = {"tenant": "big"}
SMALL = {"tenant": "small"}


def _unit(rows: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    out: npt.NDArray[np.float32] = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    return out


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[RedisStore]:
    client = aioredis.Redis.from_url(redis_url, protocol=2)
    spec = IndexSpec(prefix=unique_prefix(), fingerprint="policy-test", dims=DIMS)
    s = RedisStore(client, spec)
    try:
        await s.ensure_index()
        try:
            yield s
        finally:
            await client.execute_command("FT.DROPINDEX", spec.name, "DD")  # type: ignore[no-untyped-call]
    finally:
        await client.aclose()


async def test_batches_for_the_dominant_scope_brute_force_left_to_redisearch_for_a_small_one(
    store: RedisStore,
) -> None:
    rng = np.random.default_rng(5)
    big, small = _unit(rng.normal(size=(BATCHES_MIN_DOCS + 200, DIMS))), _unit(rng.normal(size=(20, DIMS)))
    async with store.client.pipeline(transaction=False) as pipe:
        for scope, rows, tag in ((BIG, big, "b"), (SMALL, small, "s")):
            for i, row in enumerate(rows):
                key = store.spec.entry_key(f"{tag}{i}")
                items: list[str | bytes | int] = ["response", "r", "embedding", row.tobytes(), "created_at", 0]
                pipe.hset(key, items=[*items, *(x for kv in scope.items() for x in kv)])
                for field in store.spec.scope_fields:
                    if field not in scope:
                        pipe.hset(key, field, "_")
        await pipe.execute()
    queries = _unit(rng.normal(size=(5, DIMS)))
    assert store.known_policy(BIG) is None and store.known_policy(SMALL) is None  # nothing counted yet
    first = [[c.entry.id for c in await store.search(q, BIG, k=3)] for q in queries]
    assert store.known_policy(BIG) == "BATCHES"
    again = [[c.entry.id for c in await store.search(q, BIG, k=3)] for q in queries]
    assert again == first
    for q, ids in zip(queries, first, strict=True):  # exact top 3 (8 dims: HNSW at EF 64 is exact here)
        assert ids == [f"b{i}" for i in np.argsort(-(big @ q))[:3]]
    found = [c.entry.id for c in await store.search(queries[0], SMALL, k=3)]
    assert store.known_policy(SMALL) is None
    assert found == [f"s{i}" for i in np.argsort(-(small @ queries[0]))[:3]]
