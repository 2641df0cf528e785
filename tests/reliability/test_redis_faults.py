"""Redis faults injected for real: the embedded server is SIGKILLed mid-traffic and started again on the
same port and data directory. The service must answer every call from the LLM meanwhile (BYPASS, no
5xx), say so on /health and /readiness, and use the cache again by itself once Redis is back."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter

import httpx
import pytest

from tests.conftest import ServiceFactory
from tests.reliability.conftest import KillableRedis
from tests.support.sse import collect
from tests.support.upstream import Upstream
from tests.support.wait import drained, eventually

MODEL = "m"


def chat(prompt: str, *, stream: bool = False) -> dict[str, object]:
    return {"model": MODEL, "messages": [{"role": "user", "content": prompt}], "stream": stream}


async def gateway_status(c: httpx.AsyncClient, prompt: str) -> tuple[int, str]:
    r = await c.post("/v1/chat/completions", json=chat(prompt))
    return r.status_code, r.headers.get("x-semcache-status", "")


async def wait_for(c: httpx.AsyncClient, prompt: str, want: str, *, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    seen = ""
    while time.monotonic() < deadline:
        code, seen = await gateway_status(c, prompt)
        assert code == 200, code
        if seen.startswith(want):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{prompt!r}: still {seen!r} after {timeout_s}s, wanted {want}")


#: One answer: (sent at, answered at, kind, HTTP status, cache status).
Call = tuple[float, float, str, int, str]


def flowing(load: asyncio.Task[None], log: list[Call], *, since: float) -> bool:
    """Whether each kind of caller has logged two answers sent after `since`. A caller that failed ends the
    wait at once with its own error (the traffic task re-raises it); waits on this allow 45 s, longer than
    the client's 30 s timeout, so a hung request shows up as its own ReadTimeout."""
    if load.done():
        load.result()
    seen = Counter(kind for sent, _, kind, _, _ in log if sent > since)
    return all(seen[k] >= 2 for k in KINDS)


async def one_call(c: httpx.AsyncClient, kind: str, prompt: str) -> tuple[int, str]:
    """One request of a kind; (HTTP status, cache status as the client sees it)."""
    if kind == "gateway":
        return await gateway_status(c, prompt)
    if kind == "gateway-stream":
        async with c.stream("POST", "/v1/chat/completions", json=chat(prompt, stream=True)) as r:
            body = b"".join([part async for part in r.aiter_bytes()])
            assert r.status_code >= 500 or b"[DONE]" in body, body[-200:]
            return r.status_code, r.headers.get("x-semcache-status", "")
    if kind == "ask":
        r = await c.post("/ask", json={"prompt": prompt})
        return r.status_code, r.json()["cache"]["status"] if r.status_code == 200 else ""
    evs = await collect(c, "/ask/stream", {"prompt": prompt})
    cache = next(e.data for e in evs if e.name == "column_complete" and e.data["column"] == "cache")
    assert evs[-1].name == "stream_complete"
    return 200, str(cache["status"])


KINDS = ("gateway", "gateway-stream", "ask", "ask-stream")


async def traffic(c: httpx.AsyncClient, stop: asyncio.Event, log: list[Call]) -> None:
    """Four callers, one per kind, alternating repeated and fresh prompts until told to stop."""

    async def caller(kind: str) -> None:
        i = 0
        while not stop.is_set():
            prompt = f"Reliability {kind} question {i % 3 if i % 2 else i}"
            # Both ends: a request sent before the kill may answer after it, from a lookup made before it.
            sent_at = time.monotonic()
            code, status = await one_call(c, kind, prompt)
            log.append((sent_at, time.monotonic(), kind, code, status))
            i += 1
            await asyncio.sleep(0.02)

    await asyncio.gather(*(caller(k) for k in KINDS))


async def test_redis_killed_mid_traffic_bypasses_then_reconnects_by_itself(
    service_factory: ServiceFactory, own_redis: KillableRedis, upstream: Upstream
) -> None:
    server = service_factory(REDIS_URL=own_redis.url, REDIS_TIMEOUT_S=0.5)
    log: list[Call] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        await c.post("/v1/chat/completions", json=chat("Stored before the crash"))
        await wait_for(c, "Stored before the crash", "HIT")
        assert (await c.get("/health")).status_code == 200

        stop = asyncio.Event()
        load = asyncio.create_task(traffic(c, stop, log))
        await eventually(
            lambda: flowing(load, log, since=0.0),
            what="traffic of every kind before the kill",
            timeout_s=45,
        )
        await own_redis.kill()
        killed_at = time.monotonic()  # Redis is gone: every request sent from now on looks up without it
        await eventually(
            lambda: flowing(load, log, since=killed_at),
            what="traffic of every kind during the outage",
            timeout_s=45,
        )

        # Meanwhile: every kind still answers, from the LLM, and says it bypassed the cache.
        for kind in KINDS:
            code, status = await one_call(c, kind, f"During the outage via {kind}")
            assert code == 200, (kind, code)
            assert status.lower() == "bypass", (kind, status)
        health = await c.get("/health")
        assert health.status_code == 503 and health.json()["redis"] is False
        ready = await c.get("/readiness")
        assert ready.status_code == 503 and ready.json()["checks"]["redis"]["ok"] is False
        assert ready.json()["checks"]["llm"]["ok"] is True

        restarted_at = time.monotonic()
        await own_redis.start()
        # No restart of the service: the entry written before the crash is served again by itself.
        await wait_for(c, "Stored before the crash", "HIT-EXACT", timeout_s=10)
        recovered_s = time.monotonic() - restarted_at
        await eventually(
            lambda: flowing(load, log, since=restarted_at + recovered_s),
            what="traffic of every kind after it",
            timeout_s=45,
        )
        stop.set()
        await load

        assert (await c.get("/health")).status_code == 200
        assert (await c.get("/readiness")).json()["status"] == "ready"
        # Fresh answers are stored again after the outage.
        await c.post("/v1/chat/completions", json=chat("Stored after the crash"))
        await wait_for(c, "Stored after the crash", "HIT")

    codes = Counter(code for _, _, _, code, _ in log)
    # Wholly inside the outage: sent after the kill returned, answered before the restart began.
    during = [s.lower() for sent, done, _, _, s in log if killed_at < sent and done < restarted_at]
    after = [s.lower() for sent, _, _, _, s in log if sent > restarted_at + recovered_s]
    summary = json.dumps({"codes": codes, "during": Counter(during), "after": Counter(after)})
    assert set(codes) == {200}, summary
    assert during and set(during) == {"bypass"}, summary
    assert recovered_s < 5, summary
    assert any(s.startswith("hit") for s in after), summary


async def test_entries_written_before_a_crash_survive_the_restart(
    service_factory: ServiceFactory, own_redis: KillableRedis
) -> None:
    """AOF (appendonly yes, appendfsync everysec): what Redis wrote to its AOF survives a SIGKILL of Redis
    (own_redis.kill() waits for the acknowledged writes to reach it first: everysec may postpone a write for
    up to 2 s while a slow fsync runs, and a crash then loses it); a crash of the whole host may lose the
    last second."""
    server = service_factory(REDIS_URL=own_redis.url, REDIS_TIMEOUT_S=0.5)
    prompts = [f"Durable fact number {i}" for i in range(20)]
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        for p in prompts:
            r = await c.post("/cache/store", json={"prompt": p, "response": f"kept {p}", "scope": {"model": MODEL}})
            assert r.status_code == 201
        await c.post("/v1/chat/completions", json=chat("Durable gateway answer"))
        await wait_for(c, "Durable gateway answer", "HIT")
        before = (await c.get("/cache/stats")).json()["entries"]

        await own_redis.kill()
        await own_redis.start()
        for p in prompts:
            r = await c.post("/cache/search", json={"prompt": p, "scope": {"model": MODEL}})
            assert r.status_code == 200 and r.json()["hit"] is True, (p, r.text)
            assert r.json()["match"]["response"] == f"kept {p}"
        await wait_for(c, "Durable gateway answer", "HIT-EXACT", timeout_s=5)
        # The index came back with the data (its definition is in the AOF too): semantic hits work.
        r = await c.post("/cache/search", json={"prompt": "durable fact number 7?", "scope": {"model": MODEL}})
        assert r.json()["hit"] is True
        assert (await c.get("/cache/stats")).json()["entries"] == before

        await own_redis.stop()  # a clean shutdown keeps them too
        await own_redis.start()
        r = await c.post("/cache/search", json={"prompt": prompts[0], "scope": {"model": MODEL}})
        assert r.json()["hit"] is True


async def test_redis_failing_between_the_lookup_and_the_store_loses_only_the_store(
    service_factory: ServiceFactory, own_redis: KillableRedis, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    """The background store meets a Redis that went away after the lookup: the answer was already sent, the
    store's CacheUnavailableError is caught and logged as a warning, nothing escapes as an error."""
    server = service_factory(REDIS_URL=own_redis.url, REDIS_TIMEOUT_S=0.5)
    caplog.set_level(logging.WARNING)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        asked = asyncio.create_task(gateway_status(c, "Redis goes away meanwhile [[hold]]"))
        assert await asyncio.to_thread(upstream.state.held.wait, 30.0), "the upstream never got the call"
        await own_redis.stop()  # the lookup is done (the upstream has the call); the store is still to come
        upstream.state.release.set()
        assert await asyncio.wait_for(asked, 30) == (200, "MISS")
        await drained(server)  # the store has run and failed
        assert await gateway_status(c, "and after it") == (200, "BYPASS")
    not_stored = [r for r in caplog.records if r.name == "semcache.service" and "answer not stored" in r.getMessage()]
    assert len(not_stored) == 1 and not_stored[0].levelno == logging.WARNING, caplog.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, caplog.text
