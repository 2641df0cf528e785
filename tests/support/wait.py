"""Waiting on evidence, never on time: a test waits for the event that proves an outcome, or polls the
outcome itself until a deadline (the deadline only bounds a failure; a pass never depends on it)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

import httpx

from tests.support.live import LiveServer

Check = Callable[[], Awaitable[bool]] | Callable[[], bool]


async def eventually(check: Check, *, what: str, timeout_s: float = 15.0, every_s: float = 0.05) -> None:
    """Poll `check` until it holds; fail saying `what` never happened."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s")
        await asyncio.sleep(every_s)


async def drained(server: LiveServer, *, timeout_s: float = 30.0) -> None:
    """Return once the service has finished everything it does after answering: stores, single-flight
    releases, telemetry writes and hit counters. After this, an answer that was not stored never will be."""
    resources = server.app.state.resources

    async def drain() -> None:
        await resources.service.drain()
        await resources.cache.drain()

    future = asyncio.run_coroutine_threadsafe(drain(), server.loop())
    await asyncio.wait_for(asyncio.wrap_future(future), timeout_s)


async def cache_ready(server: LiveServer, *, headers: dict[str, str] | None = None) -> None:
    """Until /health says the cache is usable. The second replica on a prefix finds the index the first one
    just created still walking the shared Redis's keyspace: it reports `loading` and, by design, neither looks
    up nor stores until the scan ends (the more keys earlier tests left, the longer)."""
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as c:

        async def ok() -> bool:
            return (await c.get("/health")).status_code == 200

        await eventually(ok, what=f"{server.url} cache ready")
