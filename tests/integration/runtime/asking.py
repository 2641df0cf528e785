"""Small HTTP helpers the runtime tests share: ask once, and ask again once the first answer is stored."""

from __future__ import annotations

import httpx

from tests.support.live import LiveServer
from tests.support.wait import drained


async def ask(c: httpx.AsyncClient, prompt: str) -> dict[str, object]:
    """The cache column of one /ask."""
    r = await c.post("/ask", json={"prompt": prompt})
    assert r.status_code == 200, r.text
    cache: dict[str, object] = r.json()["cache"]
    return cache


async def ask_then_hit(c: httpx.AsyncClient, server: LiveServer, prompt: str) -> None:
    """A miss, stored after the response (drained), then served from the cache."""
    assert (await ask(c, prompt))["status"] == "miss"
    await drained(server)
    assert (await ask(c, prompt))["status"] == "hit"
