"""Small HTTP helpers the runtime tests share: ask once, and ask until the answer is served from the cache."""

from __future__ import annotations

import asyncio

import httpx


async def ask(c: httpx.AsyncClient, prompt: str) -> dict[str, object]:
    """The cache column of one /ask."""
    r = await c.post("/ask", json={"prompt": prompt})
    assert r.status_code == 200, r.text
    cache: dict[str, object] = r.json()["cache"]
    return cache


async def until_hit(c: httpx.AsyncClient, prompt: str) -> None:
    """Stores run after the response: ask again until the answer is served from the cache."""
    for _ in range(100):
        if (await ask(c, prompt))["status"] == "hit":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{prompt!r} was never stored")
