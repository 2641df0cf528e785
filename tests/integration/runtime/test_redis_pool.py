"""The Redis client the service builds: more concurrent commands than connections wait, never fail."""

from __future__ import annotations

import asyncio

from semcache.runtime import redis_client
from tests.conftest import make_settings


async def test_a_burst_beyond_the_pool_waits_for_connections(redis_url: str) -> None:
    settings = make_settings(redis_url, REDIS_MAX_CONNECTIONS=4)
    client = redis_client(settings, redis_url)
    try:
        key = f"{settings.cache_prefix}:burst"
        await client.set(key, "1")
        # 200 commands in flight on 4 connections: redis-py's default pool raised "Too many connections".
        results = await asyncio.gather(*(client.get(key) for _ in range(200)))
        assert results == [b"1"] * 200
        await client.delete(key)
    finally:
        await client.aclose()
