"""Entries, import/export, generations and the Responses API with Redis killed: clear 503s with a JSON body
for what needs the cache, answers from the LLM for /v1/responses, and all of it back once Redis returns."""

from __future__ import annotations

import asyncio

import httpx
from openai import AsyncOpenAI

from tests.conftest import ServiceFactory
from tests.reliability.conftest import KillableRedis
from tests.support.upstream import Upstream


async def test_management_endpoints_say_503_and_the_gateway_degrades(
    service_factory: ServiceFactory, own_redis: KillableRedis, upstream: Upstream
) -> None:
    server = service_factory(REDIS_URL=own_redis.url, REDIS_TIMEOUT_S=0.5)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        assert (await c.post("/cache/store", json={"prompt": "Who wrote Hamlet?", "response": "S."})).status_code == 201
        await own_redis.kill()
        calls = [
            c.get("/cache/entries"),
            c.get("/cache/export"),
            c.post("/cache/import", content=b'{"prompt": "p", "response": "r"}'),
            c.post("/cache/generations", json={"namespace": "docs"}),
            c.delete("/cache/clear", params={"tag": "docs-v1"}),
        ]
        for r in await asyncio.gather(*calls):
            assert r.status_code == 503, (r.request.url, r.status_code, r.text)
            assert r.json()["error"]["code"] == "cache_unavailable"
        async with AsyncOpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as client:
            raw = await client.responses.with_raw_response.create(model="m", input="Who wrote Hamlet?")
            assert raw.headers["x-semcache-status"] == "BYPASS"
            assert raw.parse().output_text == "Answer to: Who wrote Hamlet?"
        await own_redis.start()
        for _ in range(100):  # the gate re-checks Redis at most once a second
            r = await c.get("/cache/entries")
            if r.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert r.status_code == 200 and r.json()["total"] == 1
