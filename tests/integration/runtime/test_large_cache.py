"""At size: a Redis holding 30,000 entries takes a while to load after a restart (it rebuilds the vector index
from the AOF). The service must start and answer meanwhile (BYPASS, reason "cache loading", nothing stored),
say `loading` on /health while /health/ready stays green, and serve the old entries once Redis has loaded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from semcache.local.process import free_port
from semcache.local.redis import EmbeddedRedis
from semcache.main import create_app
from tests.conftest import ServiceFactory, make_settings
from tests.integration.runtime.asking import ask, ask_then_hit
from tests.integration.runtime.fill import fill
from tests.support.live import LiveServer

ENTRIES = 30_000
KNOWN = [f"How do I reset the password of account type {i}?" for i in range(3)]
#: Slows the replay by 300 µs a key (a Redis test option), so loading outlasts the service's start-up on any
#: machine (at least 9 s for 30,000 entries) and the test sees the loading state for sure.
LOAD_DELAY = ["--key-load-delay", "300"]


async def status(c: httpx.AsyncClient) -> str:
    return str((await c.get("/health")).json()["status"])


async def next_status(c: httpx.AsyncClient, *, leaving: str) -> str:
    """Poll /health (the gate re-checks Redis at most once a second) until its status is not `leaving`."""
    for _ in range(3000):  # a bound, not a timing: loading 30,000 entries takes a minute on a slow machine
        seen = await status(c)
        if seen != leaving:
            return seen
        await asyncio.sleep(0.2)
    raise AssertionError(f"/health stayed {leaving!r}")


@pytest.mark.size
@pytest.mark.timeout(1200)
async def test_the_service_answers_while_a_large_cache_loads(tmp_path: Path, service_factory: ServiceFactory) -> None:
    data = tmp_path / "redis"
    first = EmbeddedRedis(data)
    try:
        await first.start()
        service = service_factory(REDIS_URL=first.url)
        async with httpx.AsyncClient(base_url=service.url, timeout=60) as c:
            for prompt in KNOWN:
                await ask_then_hit(c, service, prompt)
        spec = service.app.state.resources.cache.store.spec
        async with aioredis.Redis.from_url(first.url, protocol=2) as client:
            await fill(client, spec, ENTRIES)
        service.stop()
    finally:
        await first.stop()

    # The service starts first, against a Redis that is not there yet, as a replica after a failover would.
    port = free_port()
    restarted = service_factory(REDIS_URL=f"redis://127.0.0.1:{port}/0", CACHE_PREFIX=spec.prefix)
    second = EmbeddedRedis(data, port=port, extra_args=LOAD_DELAY)
    await second.start(wait_loaded=False)
    try:
        async with httpx.AsyncClient(base_url=restarted.url, timeout=60) as c:
            # Down until Redis accepts connections; it then answers LOADING at once.
            assert await next_status(c, leaving="down") == "loading"
            health = (await c.get("/health")).json()
            assert health["loading"] is not None and health["redis"] is True
            assert (await c.get("/health/ready")).status_code == 200

            cache = await ask(c, KNOWN[0])
            assert cache["status"] == "bypass" and cache["text"] == f"Answer to: {KNOWN[0]}"
            assert str(cache["reason"]).startswith("cache loading") and "not stored" in str(cache["reason"])
            assert cache["stored"] is False

            await second.wait_loaded()
            assert await next_status(c, leaving="loading") == "ok"
            for prompt in KNOWN:
                cache = await ask(c, prompt)
                assert cache["status"] == "hit" and cache["text"] == f"Answer to: {prompt}"
            stats = (await c.get("/cache/stats")).json()
            assert stats["entries"] == ENTRIES + len(KNOWN)
    finally:
        await second.stop()


async def test_the_service_starts_at_once_on_its_own_embedded_redis(tmp_path: Path) -> None:
    """The embedded path `make run` takes: start-up returns before Redis has loaded, the watcher reports."""
    server = LiveServer(create_app(make_settings("", REDIS_URL=None, SEMCACHE_DATA_DIR=str(tmp_path))))
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as c:
            assert (await c.get("/health/ready")).status_code == 200
            assert await status(c) in ("ok", "loading")
            assert await next_status(c, leaving="loading") == "ok"
    finally:
        server.stop()
