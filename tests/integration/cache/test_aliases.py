"""Aliases against real Redis (cache/aliases.py): an alias finds its entry, never across a scope, lives no
longer than its entry, is disabled when the entry is deleted, overwritten or invalidated, and an entry takes
at most its cap."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest
import redis.asyncio as aioredis

from semcache.cache.models import Candidate, NewEntry
from semcache.cache.redis import RedisStore
from semcache.cache.schema import IndexSpec
from semcache.embeddings.base import Vector
from tests.conftest import unique_prefix

DIMS = 8
SCOPE = {"tenant": "t", "namespace": "n"}


def unit(*values: float) -> Vector:
    v = np.zeros(DIMS, dtype=np.float32)
    v[: len(values)] = values
    return (v / np.linalg.norm(v)).astype(np.float32)


ENTRY = unit(1.0)  # the entry's own prompt
ALIAS = unit(0.0, 1.0)  # orthogonal to the entry: reachable only through the alias
QUERY = unit(0.1, 1.0)  # a paraphrase of the alias (similarity ~0.995), far from the entry (~0.1)


@pytest.fixture
async def store(raw_redis: aioredis.Redis) -> AsyncIterator[RedisStore]:
    s = RedisStore(raw_redis, IndexSpec(prefix=unique_prefix(), fingerprint="alias-test", dims=DIMS), alias_cap=2)
    await s.ensure_index()
    try:
        yield s
    finally:
        await s.drop_index()


async def near(store: RedisStore, scope: dict[str, str] = SCOPE, within: float = 0.05) -> list[Candidate]:
    """What a lookup with this distance threshold could serve (the search returns the k nearest, however far)."""
    return [c for c in await store.search(QUERY, scope, k=3, alias_within=within) if c.distance <= within]


async def put(store: RedisStore, entry_id: str = "e1", answer: str = "the answer", ttl: int = 60) -> None:
    await store.put(entry_id, NewEntry("entry prompt", "entry prompt", answer, dict(SCOPE)), ENTRY, ttl=ttl)


async def test_a_paraphrase_of_the_alias_finds_the_entry_through_it(store: RedisStore) -> None:
    await put(store)
    assert await near(store) == []
    assert await store.add_alias("e1", "alias prompt", ALIAS, SCOPE)
    found = await near(store)
    assert [(c.entry.id, c.via, c.entry.response) for c in found] == [("e1", "alias prompt", "the answer")]
    assert found[0].prompt == "alias prompt" and found[0].similarity > 0.99
    # Only within the distance asked for; and the same prompt is not kept twice.
    assert await near(store, within=0.001) == []
    assert not await store.add_alias("e1", "alias prompt", ALIAS, SCOPE)
    # The entry's own listing does not show aliases.
    total, _ = await store.browse("*", sort="-created_at", offset=0, limit=10)
    assert total == 1


async def test_an_alias_never_crosses_a_scope(store: RedisStore) -> None:
    await put(store)
    assert await store.add_alias("e1", "alias prompt", ALIAS, SCOPE)
    for other in ({"tenant": "u", "namespace": "n"}, {"tenant": "t", "namespace": "m"}):
        assert await near(store, other) == []


async def test_an_alias_lives_no_longer_than_its_entry_and_dies_with_it(store: RedisStore) -> None:
    await put(store, ttl=30)
    assert await store.add_alias("e1", "alias prompt", ALIAS, SCOPE)
    alias_keys = [k async for k in store.client.scan_iter(match=f"{store.spec.prefix}:cache-alias:*")]
    assert len(alias_keys) == 1 and 0 < await store.client.ttl(alias_keys[0]) <= 30
    await store.delete("e1")
    assert await near(store) == []


async def test_an_overwritten_or_invalidated_entry_is_not_served_through_old_aliases(store: RedisStore) -> None:
    await put(store)
    assert await store.add_alias("e1", "alias prompt", ALIAS, SCOPE)
    await put(store, answer="a new answer no audit checked")
    assert await near(store) == []

    await put(store, "e2")
    assert await store.add_alias("e2", "other alias", ALIAS, SCOPE)
    assert len(await near(store)) == 1
    await store.bump_generation(SCOPE)
    assert await near(store) == []


async def test_an_entry_takes_at_most_its_cap_and_a_missing_one_none(store: RedisStore) -> None:
    await put(store)
    kept = [await store.add_alias("e1", f"alias {i}", unit(0.0, 1.0, float(i)), SCOPE) for i in range(4)]
    assert kept == [True, True, False, False]
    assert not await store.add_alias("gone", "alias", ALIAS, SCOPE)
    assert not await store.client.exists(store.spec.entry_key("gone"))  # no orphan counter


async def test_the_nearest_vector_of_an_entry_ranks_it_once(store: RedisStore) -> None:
    await put(store)
    await store.put("e2", NewEntry("second", "second", "another", dict(SCOPE)), unit(0.2, 1.0), ttl=60)
    assert await store.add_alias("e1", "alias prompt", QUERY, SCOPE)
    found = await store.search(QUERY, SCOPE, k=3, alias_within=0.5)
    assert [c.entry.id for c in found] == ["e1", "e2"] and found[0].via == "alias prompt"
