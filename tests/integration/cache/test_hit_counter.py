"""Counting a hit writes only fields the index does not read, and the embedded Redis is started so that such a
write leaves the entry's index records alone (RediSearch's PARTIAL_INDEXED_DOCS): a re-indexed entry would
get a new internal document id, so the index's max_doc_id stays put."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
import redis.asyncio as aioredis

from semcache.cache.models import NewEntry
from semcache.cache.redis import RedisStore
from semcache.cache.schema import IndexSpec
from tests.conftest import unique_prefix
from tests.support.wait import eventually

DIMS = 8
SCOPE = {"tenant": "t"}


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[RedisStore]:
    client = aioredis.Redis.from_url(redis_url, protocol=2)
    spec = IndexSpec(prefix=unique_prefix(), fingerprint="hit-counter-test", dims=DIMS)
    s = RedisStore(client, spec)
    try:
        await s.ensure_index()
        try:
            yield s
        finally:
            await client.execute_command("FT.DROPINDEX", spec.name, "DD")  # type: ignore[no-untyped-call]
    finally:
        await client.aclose()


async def _info(store: RedisStore) -> dict[str, Any]:
    info: list[Any] = await store.client.execute_command("FT.INFO", store.spec.name)  # type: ignore[no-untyped-call]
    return {(k.decode() if isinstance(k, bytes) else str(k)): v for k, v in zip(info[::2], info[1::2], strict=False)}


async def _max_doc_id(store: RedisStore) -> int:
    return int((await _info(store))["max_doc_id"])


async def _scanned(store: RedisStore) -> bool:
    return str((await _info(store))["indexing"]) in ("0", "b'0'")


async def test_a_counted_hit_does_not_reindex_its_entry(store: RedisStore) -> None:
    vector = np.ones(DIMS, dtype=np.float32) / np.sqrt(DIMS)
    new = NewEntry("a prompt", "a prompt", "an answer", dict(SCOPE), 1, 2, {})
    # A new index scans the whole keyspace in the background; an entry written during that scan is indexed
    # twice (by the write, then by the scan), which moves max_doc_id with no hit at all. Start after it.
    await eventually(lambda: _scanned(store), what="the new index's initial scan")
    await store.put("e1", new, vector, ttl=None)
    before = await _max_doc_id(store)
    for _ in range(3):
        await store.record_hit("e1", 0.97)
    entry = await store.get("e1")
    assert entry is not None and entry.hits == 3 and entry.last_similarity == pytest.approx(0.97)
    assert await _max_doc_id(store) == before
    found = await store.search(vector, SCOPE, k=1)
    assert [c.entry.id for c in found] == ["e1"]
