"""Sliding TTL (CACHE_TTL_SLIDING, CACHE_TTL_MAX) and tags from the gateway's x-semcache-tags header."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from semcache.cache.schema import slug
from tests.conftest import ServiceFactory, unique_prefix
from tests.support.upstream import Upstream
from tests.support.wait import drained

FRANCE = "What is the capital of France?"


async def entry_key(c: httpx.AsyncClient, prefix: str, entry_id: str) -> str:
    fingerprint = (await c.get("/cache/stats")).json()["embedder"]
    return f"{prefix}:cache:{slug(fingerprint)}:e:{entry_id}"


async def ttl_after_hit(c: httpx.AsyncClient, entry_id: str, prompt: str) -> int:
    assert (await c.post("/cache/search", json={"prompt": prompt})).json()["hit"]
    await c.get("/cache/stats")  # hit bookkeeping runs off the request's path; this waits for it
    ttl: int = (await c.get(f"/cache/entries/{entry_id}")).json()["ttl_s"]
    return ttl


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    async with aioredis.Redis.from_url(redis_url) as client:
        yield client


async def test_a_hit_renews_the_ttl_up_to_the_cap(service_factory: ServiceFactory, redis: aioredis.Redis) -> None:
    prefix = unique_prefix()
    server = service_factory(CACHE_PREFIX=prefix, CACHE_TTL_SLIDING="true", CACHE_TTL_MAX=1000)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        entry = (await c.post("/cache/store", json={"prompt": FRANCE, "response": "Paris.", "ttl": 100})).json()
        key = await entry_key(c, prefix, entry["id"])
        await redis.expire(key, 10)  # as if it were 90 s old
        assert 50 < await ttl_after_hit(c, entry["id"], "What is France's capital?") <= 100
        # Near the cap, a hit renews only up to created_at + CACHE_TTL_MAX, not by its full TTL.
        await redis.hset(key, "created_at", time.time() - 995)
        await redis.expire(key, 2)
        assert await ttl_after_hit(c, entry["id"], FRANCE) <= 5
        # The cap holds at store time too.
        capped = (
            await c.post("/cache/store", json={"prompt": "Who wrote Hamlet?", "response": "S.", "ttl": 5000})
        ).json()
        assert capped["ttl"] == 1000
        assert (await c.post("/cache/store", json={"prompt": "Everest?", "response": "8,849 m"})).json()["ttl"] == 1000


async def test_without_sliding_a_hit_leaves_the_ttl(service_factory: ServiceFactory, redis: aioredis.Redis) -> None:
    prefix = unique_prefix()
    server = service_factory(CACHE_PREFIX=prefix)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        entry = (await c.post("/cache/store", json={"prompt": FRANCE, "response": "Paris.", "ttl": 100})).json()
        await redis.expire(await entry_key(c, prefix, entry["id"]), 10)
        assert await ttl_after_hit(c, entry["id"], FRANCE) <= 10


async def test_gateway_stores_x_semcache_tags(service_factory: ServiceFactory, upstream: Upstream) -> None:
    server = service_factory()
    upstream.state.answers[FRANCE] = "Paris."
    async with AsyncOpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as client:
        messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": FRANCE}]
        await client.chat.completions.create(
            model="m",
            messages=messages,
            extra_headers={"x-semcache-tags": "docs-v1, faq"},
        )
        await drained(server)  # the answer is stored after it is sent
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
            page = (await c.get("/cache/entries", params={"tag": "faq"})).json()
            assert page["total"] == 1 and page["entries"][0]["tags"] == ["docs-v1", "faq"]
            assert (await c.delete("/cache/clear", params={"tag": "docs-v1"})).json() == {"deleted": 1}
        with pytest.raises(Exception) as bad:
            await client.chat.completions.create(
                model="m",
                messages=messages,
                extra_headers={"x-semcache-tags": "ok, a} | @tenant:{*"},
            )
        assert getattr(bad.value, "status_code", None) == 422 and "x-semcache-tags" in str(bad.value)
