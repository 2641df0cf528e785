"""Telemetry: events in the Redis Stream, summaries that add up, Prometheus, request ids, readiness."""

from __future__ import annotations

import logging
from typing import cast

import httpx
import openai
import pytest
import redis.asyncio as aioredis
from openai import AsyncOpenAI
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ServiceFactory
from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE_PARAPHRASE
from tests.support.wait import drained


async def settle(server: LiveServer, c: httpx.AsyncClient, expected_events: int) -> None:
    """Every telemetry write of the requests made so far has happened: exactly this many events landed."""
    await drained(server)
    info = (await c.get("/telemetry/stream-info")).json()
    assert info["length"] == expected_events, info


async def stream_events(redis_url: str, prefix: str) -> list[dict[str, str]]:
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        entries = cast(list[tuple[str, dict[str, str]]], await client.xrange(f"{prefix}:telemetry"))
        return [fields for _, fields in entries]
    finally:
        await client.aclose()


async def test_events_for_hit_miss_bypass_and_error(service_factory: ServiceFactory, redis_url: str) -> None:
    server = service_factory(LLM_TIMEOUT_S=2)
    prefix = server.app.state.resources.settings.cache_prefix if hasattr(server.app.state, "resources") else None
    async with (
        AsyncOpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as ai,
        httpx.AsyncClient(base_url=server.url, timeout=30) as c,
    ):
        prefix = server.app.state.resources.settings.cache_prefix
        await ai.chat.completions.create(model="m", messages=[{"role": "user", "content": "Telemetry one"}])
        await drained(server)
        r = await ai.chat.completions.with_raw_response.create(
            model="m", messages=[{"role": "user", "content": "Telemetry one"}]
        )
        assert r.headers["x-semcache-status"] == "HIT-EXACT"
        await ai.chat.completions.create(model="m", messages=[{"role": "user", "content": "Pick"}], n=2, stream=True)
        with pytest.raises(openai.InternalServerError):
            await ai.chat.completions.create(model="m", messages=[{"role": "user", "content": "Oops [[status:500]]"}])
        await settle(server, c, 4)
    events = await stream_events(redis_url, prefix)
    statuses = {e["status"] for e in events if e["path"] == "gateway"}
    assert {"miss", "hit", "bypass", "error"} <= statuses
    hit = next(e for e in events if e["status"] == "hit")
    assert hit["source"] == "exact" and hit["tenant"] == "default" and hit["model"] == "m"
    assert float(hit["similarity"]) == 1.0 and int(hit["tokens_saved"]) > 0 and float(hit["cost_saved_usd"]) > 0
    assert float(hit["latency_ms"]) > 0 and hit["ttft_ms"] != "" and float(hit["ts"]) > 0
    miss = next(e for e in events if e["status"] == "miss")
    assert int(miss["prompt_tokens"]) == 11 and int(miss["completion_tokens"]) > 0 and float(miss["cost_usd"]) > 0
    error = next(e for e in events if e["status"] == "error")
    assert error["error"] == "llm_error"


async def test_summary_adds_up_after_a_scripted_run(service: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        stored = {"prompt": "What is the capital of France?", "response": "Paris.", "scope": {"model": "default"}}
        await c.post("/cache/store", json=stored)
        script = [
            stored["prompt"],
            "what is the capital of FRANCE?",
            FRANCE_PARAPHRASE,
            "A new question",
        ]
        for prompt in script:
            r = await c.post("/ask", json={"prompt": prompt})
            assert r.status_code == 200
        await settle(service, c, 2 * len(script))
        s = (await c.get("/telemetry/summary")).json()
    all_time, window = s["all_time"], s["window"]
    assert all_time["requests"] == 4 and all_time["raw_requests"] == 4
    assert all_time["hits"] == 3 and all_time["exact_hits"] == 2 and all_time["semantic_hits"] == 1
    assert all_time["misses"] == 1 and all_time["hit_rate"] == 0.75
    assert all_time["tokens_saved"] > 0 and all_time["cost_saved_usd"] > 0
    assert all_time["cost_without_cache_usd"] == pytest.approx(all_time["cost_usd"] + all_time["cost_saved_usd"])
    assert window["size"] == 8 and window["hits"] == 3 and window["hit_rate"] == 0.75
    assert window["latency_ms"]["cache_hit"]["count"] == 3 and window["latency_ms"]["raw"]["count"] == 4
    assert window["latency_ms"]["cache_hit"]["p50"] > 0
    assert len(s["series"]) == 8 and s["series"][0]["ts"] <= s["series"][-1]["ts"]


async def test_per_tenant_summaries(service_factory: ServiceFactory) -> None:
    server = service_factory(
        SEMCACHE_API_KEYS="key-acme-0001=acme,key-globex-01=globex", SEMCACHE_ADMIN_KEY="admin-key-99"
    )
    acme, globex, admin = ({"Authorization": f"Bearer {k}"} for k in ("key-acme-0001", "key-globex-01", "admin-key-99"))
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        await c.post("/ask", json={"prompt": "Acme question"}, headers=acme)
        await c.post("/ask", json={"prompt": "Globex question"}, headers=globex)
        await c.post("/ask", json={"prompt": "Globex question two"}, headers=globex)
        await drained(server)
        assert (await c.get("/telemetry/summary", headers=admin)).json()["all_time"]["requests"] == 3
        assert (await c.get("/telemetry/summary", headers=acme)).json()["all_time"]["requests"] == 1
        assert (await c.get("/telemetry/summary", params={"tenant": "globex"}, headers=admin)).json()["all_time"][
            "requests"
        ] == 2
        assert (await c.get("/telemetry/summary", params={"tenant": "globex"}, headers=acme)).status_code == 403
        assert (await c.delete("/telemetry/clear", headers=acme)).status_code == 403
        assert (await c.delete("/telemetry/clear", headers=admin)).json()["deleted_keys"] >= 1
        assert (await c.get("/telemetry/summary", headers=admin)).json()["all_time"]["requests"] == 0


async def test_prometheus_exposition_parses(service: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        await c.post("/ask", json={"prompt": "Prometheus?"})
        await drained(service)
        text = (await c.get("/metrics/prometheus")).text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert {"semcache_requests", "semcache_request_latency_seconds", "semcache_tokens_saved"} <= set(families)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in families["semcache_requests"].samples}
    assert samples[("semcache_requests_total", (("path", "cache"), ("status", "miss")))] == 1
    assert all("tenant" not in s.labels for f in families.values() for s in f.samples)


async def test_request_id_round_trip_and_json_access_log(service: LiveServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="semcache.access")
    async with httpx.AsyncClient(base_url=service.url) as c:
        given = await c.get("/health", headers={"x-request-id": "req-123.abc"})
        made = await c.get("/health")
        hostile = await c.get("/health", headers={"x-request-id": "bad id\twith spaces"})
    assert given.headers["x-request-id"] == "req-123.abc"
    assert len(made.headers["x-request-id"]) == 32
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"
    records = [r for r in caplog.records if r.name == "semcache.access"]
    assert any(getattr(r, "status", None) == 200 and "duration_ms" in vars(r) for r in records)


async def test_telemetry_failure_never_fails_a_request(service: LiveServer, redis_url: str) -> None:
    prefix = service.app.state.resources.settings.cache_prefix
    async with aioredis.Redis.from_url(redis_url) as client:
        await client.set(f"{prefix}:telemetry", "not a stream")  # every XADD now fails with WRONGTYPE
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        for _ in range(3):
            r = await c.post("/ask", json={"prompt": "Still answered?"})
            assert r.status_code == 200 and r.json()["raw"]["text"]
        await drained(service)
        assert (await c.get("/telemetry/stream-info")).json()["dropped_events"] == 6  # 3 requests x 2 columns


async def test_readiness_checks_every_dependency(service: LiveServer, service_factory: ServiceFactory) -> None:
    from semcache.local.process import free_port

    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        ready = await c.get("/readiness")
    assert ready.status_code == 200 and set(ready.json()["checks"]) == {"redis", "index", "embedder", "llm"}
    broken = service_factory(LLM_BASE_URL=f"http://127.0.0.1:{free_port()}/v1")
    async with httpx.AsyncClient(base_url=broken.url, timeout=30) as c:
        r = await c.get("/readiness")
        health = await c.get("/health")
    assert r.status_code == 503 and r.json()["checks"]["llm"]["ok"] is False and r.json()["checks"]["redis"]["ok"]
    assert health.status_code == 200, "/health stays cheap and does not call the LLM"


async def test_a_telemetry_read_redis_refuses_is_a_503_with_our_error_body(service: LiveServer, redis_url: str) -> None:
    prefix = service.app.state.resources.settings.cache_prefix
    async with aioredis.Redis.from_url(redis_url) as client:
        await client.set(f"{prefix}:telemetry", "not a stream")  # XREVRANGE now fails with WRONGTYPE
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        r = await c.get("/telemetry/summary")
    assert r.status_code == 503
    assert r.json() == {
        "error": {
            "message": "telemetry unavailable: ResponseError",
            "type": "server_error",
            "param": None,
            "code": "cache_unavailable",
            "detail": None,
        }
    }
