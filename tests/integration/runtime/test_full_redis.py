"""A full Redis (maxmemory reached, noeviction, as Azure Managed Redis runs): answers are still served, hits
too; stores are refused, counted in Prometheus and /health, and logged once, not once per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from semcache.local.redis import EmbeddedRedis
from tests.conftest import ServiceFactory
from tests.integration.runtime.asking import ask, ask_then_hit
from tests.support.live import LiveServer
from tests.support.wait import drained


@pytest.fixture
async def small_redis(tmp_path: Path) -> AsyncIterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis", extra_args=["--maxmemory-policy", "noeviction"])
    try:
        await server.start()
        yield server
    finally:
        await server.stop()


async def test_a_full_redis_is_visible_and_answers_still_flow(
    small_redis: EmbeddedRedis, service_factory: ServiceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = service_factory(REDIS_URL=small_redis.url)
    admin = aioredis.Redis.from_url(small_redis.url, protocol=2)
    try:
        await fill_up(server, admin)
    finally:
        await admin.config_set("maxmemory", 0)
        await admin.aclose()
    full_warnings = [r for r in caplog.records if r.getMessage().startswith("cache full")]
    assert len(full_warnings) == 1, "refused stores are logged at most once a minute"
    assert "not stored" not in " ".join(r.getMessage() for r in caplog.records if r.name == "semcache.service")


async def fill_up(server: LiveServer, admin: aioredis.Redis) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        await ask_then_hit(c, server, "What is the capital of France?")
        assert (await c.get("/health")).json()["status"] == "ok"

        # Below what it already uses: every further write is refused with "OOM command not allowed".
        used = int((await admin.info("memory"))["used_memory"])
        await admin.config_set("maxmemory", used // 2)
        prompts = [f"Name a city in country number {i}." for i in range(3)]
        for prompt in prompts:
            cache = await ask(c, prompt)
            assert cache["status"] == "miss" and cache["text"] == f"Answer to: {prompt}"
        await drained(server)  # stores run after the response
        health = await c.get("/health")
        body = health.json()
        assert health.status_code == 503 and body["status"] == "full" and body["full"] is True
        assert body["refused_writes"] == len(prompts) and body["redis"] is True
        assert body["memory"]["policy"] == "noeviction" and body["memory"]["max_bytes"] == used // 2
        assert any("cache full" in reason for reason in body["reasons"])
        ready = await c.get("/health/ready")
        assert ready.status_code == 200 and ready.json()["cache"] == "full"

        # Reads still work: the stored answer is served, the refused ones were not stored.
        assert (await ask(c, "What is the capital of France?"))["status"] == "hit"
        assert (await ask(c, prompts[0]))["status"] == "miss"
        await drained(server)  # its refused store runs after the response too
        metrics = (await c.get("/metrics/prometheus")).text
        assert 'semcache_cache_writes_refused_total{reason="full"} 4.0' in metrics
