"""Fixtures for the fault tests: a Redis of the test's own (killable, restartable on the same port and
data directory), and helpers to look inside a live service's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis.asyncio as aioredis

from semcache.local.process import free_port
from semcache.local.redis import EmbeddedRedis
from semcache.main import create_app
from tests.conftest import make_settings
from tests.support.live import LiveServer
from tests.support.upstream import Upstream

T = TypeVar("T")


class KillableRedis:
    """An embedded Redis that a test may crash and bring back at the same URL, over the same AOF."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.server: EmbeddedRedis | None = None
        self.password: str | None = None  # set by a test that turns on requirepass

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.server = EmbeddedRedis(self.data_dir, port=self.port)
        await self.server.start()

    async def kill(self) -> None:
        """SIGKILL: a crash, once every write acknowledged so far is in the AOF. With appendfsync everysec,
        Redis postpones its write() for up to 2 s while a background fsync is slow (a loaded disk), so an
        acknowledged write can be lost to a crash in that window; these tests are about the service, not
        that window, and WAITAOF (an error when AOF is off) closes it."""
        if self.server is not None:
            async with aioredis.from_url(self.url, password=self.password) as r:
                await r.set("test:crash-barrier", "1")
                local, _ = await r.waitaof(1, 0, 10_000)
            assert local == 1, "the AOF did not take the writes acknowledged before the crash within 10 s"
            await self.server.kill()
            self.server = None

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[KillableRedis]:
    redis = KillableRedis(tmp_path / "redis")
    try:
        await redis.start()
        yield redis
    finally:
        await redis.stop()


def server_loop(server: LiveServer) -> asyncio.AbstractEventLoop:
    """The event loop a LiveServer's uvicorn runs on."""
    return server.loop()


def in_server(server: LiveServer, coro: Coroutine[Any, Any, T], timeout_s: float = 10.0) -> T:
    """Run a coroutine on the server's loop (thread-safe) and wait for its result."""
    future = asyncio.run_coroutine_threadsafe(coro, server_loop(server))
    return future.result(timeout_s)


async def task_count(server: LiveServer) -> int:
    """Tasks alive on the server's loop, from the test's loop (a blocking wait would stall this loop)."""

    async def count() -> int:
        return len(asyncio.all_tasks())

    future = asyncio.run_coroutine_threadsafe(count(), server_loop(server))
    return await asyncio.wrap_future(future)


@contextmanager
def standalone_service(redis_url: str, **env: object) -> Iterator[tuple[LiveServer, Upstream]]:
    """A service with its own scripted upstream, for module-scoped fixtures (the shared `service_factory`
    is per test: starting one service per parametrized case would cost a second each)."""
    upstream = Upstream().start()
    server = LiveServer(create_app(make_settings(redis_url, LLM_BASE_URL=upstream.url, LLM_MAX_RETRIES=0, **env)))
    try:
        server.start()
        yield server, upstream
    finally:
        server.stop()
        upstream.stop()
