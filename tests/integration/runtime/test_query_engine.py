"""The query engine is found by what it does (FT._LIST answers), not by a module's name; a Redis without it
leaves the service answering (BYPASS) and ready, and /health says why the cache is not used."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from semcache.local.redis import EmbeddedRedis
from tests.conftest import ServiceFactory
from tests.integration.runtime.asking import ask


@pytest.fixture
async def plain_redis(tmp_path: Path) -> AsyncIterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis", modules=[])
    try:
        await server.start()
        yield server
    finally:
        await server.stop()


async def test_the_embedded_redis_has_the_query_engine(service_factory: ServiceFactory) -> None:
    async with httpx.AsyncClient(base_url=service_factory().url, timeout=30) as c:
        body = (await c.get("/health")).json()
    assert body["status"] == "ok" and body["query_engine"] is True and body["reasons"] == []


async def test_a_redis_without_the_query_engine_is_degraded_not_down(
    plain_redis: EmbeddedRedis, service_factory: ServiceFactory
) -> None:
    server = service_factory(REDIS_URL=plain_redis.url)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        health = await c.get("/health")
        body = health.json()
        assert health.status_code == 503 and body["status"] == "degraded"
        assert body["redis"] is True and body["query_engine"] is False and body["index"] is None
        assert body["reasons"] and "no query engine" in body["reasons"][0]
        assert (await c.get("/health/ready")).status_code == 200
        cache = await ask(c, "Does this still answer?")
        assert cache["status"] == "bypass" and cache["text"] == "Answer to: Does this still answer?"
