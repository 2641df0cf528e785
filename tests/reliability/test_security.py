"""Security: constant-time keys, tenant from the key only, admin-only destructive endpoints, per-key rate
limits in Redis, CORS closed by default, secrets never logged or returned, no answer crossing tenants."""

from __future__ import annotations

import asyncio
import hmac
import logging

import httpx
import pytest
import redis.asyncio as aioredis

from semcache.auth import KeyRing
from semcache.ratelimit import bucket_key
from tests.conftest import ServiceFactory, unique_prefix
from tests.reliability.conftest import KillableRedis
from tests.support.upstream import Upstream
from tests.support.wait import cache_ready, drained

KEYS = "key-acme-0001=acme,key-globex-01=globex"
FRANCE, FRANCE_PARAPHRASE = "What is the capital of France?", "What is France's capital?"
SPAIN, SPAIN_PARAPHRASE = "What is the capital of Spain?", "What is Spain's capital?"
NO_STORE = {"cache-control": "no-store"}
ADMIN = "admin-key-99"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def chat(prompt: str) -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": prompt}]}


def test_every_key_is_compared_in_constant_time_whatever_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)  # the module semcache.auth calls
    ring = KeyRing({"key-a-000001": "a", "key-b-000002": "b", "key-c-000003": "c"}, "admin-key-0001")
    for token in ("key-a-000001", "key-c-000003", "admin-key-0001", "wrong-key-000", "k"):
        calls.clear()
        ring.resolve(token)
        assert len(calls) == 4, token  # the admin key and all three keys, with no early exit on a match


async def test_tenant_comes_from_the_key_and_answers_never_cross_tenants(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    server = service_factory(SEMCACHE_API_KEYS=KEYS, SEMCACHE_ADMIN_KEY=ADMIN)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        acme, globex = bearer("key-acme-0001"), bearer("key-globex-01")
        # acme's entry, under acme's key only; a body cannot name another tenant.
        r = await c.post("/cache/store", headers=acme, json={"prompt": FRANCE, "response": "acme secret", "scope": {}})
        assert r.status_code == 201 and r.json()["scope"]["tenant"] == "acme"
        r = await c.post(
            "/cache/store", headers=acme, json={"prompt": FRANCE, "response": "x", "scope": {"tenant": "globex"}}
        )
        assert r.status_code == 422
        # The same lookup, differing only in the key: acme finds its entry on the exact path and through the
        # KNN search (a paraphrase), globex on neither.
        for prompt in (FRANCE, FRANCE_PARAPHRASE):
            found = [(await c.post("/cache/search", headers=h, json={"prompt": prompt})).json() for h in (acme, globex)]
            assert found[0]["hit"] and found[0]["match"]["response"] == "acme secret", prompt
            assert not found[1]["hit"] and "acme secret" not in str(found[1]), prompt
        # The same gateway requests, differing only in the key: acme's answer serves acme, exactly and by
        # meaning, and never globex, whatever headers name another tenant (no-store: globex's misses leave
        # no entry of globex's own to hit).
        r = await c.post("/v1/chat/completions", headers=acme, json=chat(SPAIN))
        assert r.headers["x-semcache-status"] == "MISS"
        await drained(server)
        for prompt, status in ((SPAIN, "HIT-EXACT"), (SPAIN_PARAPHRASE, "HIT-SEMANTIC")):
            r = await c.post("/v1/chat/completions", headers=acme, json=chat(prompt))
            assert r.headers["x-semcache-status"] == status, prompt
            for headers in (globex, {**globex, "x-tenant": "acme", "x-semcache-namespace": "acme"}):
                r = await c.post("/v1/chat/completions", headers={**headers, **NO_STORE}, json=chat(prompt))
                assert r.headers["x-semcache-status"] == "MISS", (prompt, headers)
                assert r.json()["choices"][0]["message"]["content"] == f"Answer to: {prompt}"
        assert upstream.state.calls_for("Spain") == 5  # acme's miss and globex's four

        # Single flight: the same new question from both tenants at once makes one call per tenant.
        upstream.state.delay_s = 0.3
        results = await asyncio.gather(
            *(c.post("/v1/chat/completions", headers=h, json=chat("Q2 in flight")) for h in (acme, globex) * 4)
        )
        assert {r.status_code for r in results} == {200}
        assert upstream.state.calls_for("Q2 in flight") == 2
        upstream.state.delay_s = 0.0
        await drained(server)  # both leaders' stores are done
        entries = set()
        for h, tenant in ((acme, "acme"), (globex, "globex")):
            r = await c.post("/cache/search", headers=h, json={"prompt": "Q2 in flight", "scope": {"model": "m"}})
            match = r.json()["match"]
            assert match["scope"]["tenant"] == tenant
            entries.add(match["id"])
        assert len(entries) == 2


async def test_destructive_endpoints_are_admin_only(service_factory: ServiceFactory) -> None:
    server = service_factory(SEMCACHE_API_KEYS=KEYS, SEMCACHE_ADMIN_KEY=ADMIN)
    # From the OpenAPI document: included routers no longer list their routes on app.routes.
    deletes = [path for path, ops in server.app.openapi()["paths"].items() if "delete" in ops]
    assert set(deletes) >= {"/cache/clear", "/cache/entries/{entry_id}", "/telemetry/clear"}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        for route in deletes:
            path = route.replace("{entry_id}", "abc123")
            assert (await c.delete(path)).status_code == 401, path
            r = await c.delete(path, headers=bearer("key-acme-0001"))
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", path
            assert (await c.delete(path, headers=bearer(ADMIN))).status_code in (200, 204, 404), path


async def test_rate_limit_per_key_in_redis(service_factory: ServiceFactory, redis_url: str) -> None:
    prefix = unique_prefix()
    env = {"SEMCACHE_API_KEYS": KEYS, "RATE_LIMIT_PER_MINUTE": 3, "CACHE_PREFIX": prefix}
    a, b = service_factory(**env), service_factory(**env)  # two replicas share one count through Redis
    acme, globex = bearer("key-acme-0001"), bearer("key-globex-01")
    async with httpx.AsyncClient(timeout=30) as c:
        for server in (a, b):  # else b may answer /cache/stats 503 while a's new index walks the keyspace
            await cache_ready(server, headers=acme)
        codes = [(await c.get(f"{s.url}/cache/stats", headers=acme)).status_code for s in (a, b, a)]
        assert codes == [200, 200, 200]
        r = await c.post(f"{b.url}/v1/chat/completions", headers=acme, json=chat("one too many"))
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert (await c.get(f"{a.url}/cache/stats", headers=globex)).status_code == 200  # its own bucket
        assert (await c.get(f"{a.url}/health/ready")).status_code == 200  # probes are never limited
        assert (await c.get(f"{a.url}/health", headers=acme)).status_code == 200  # nor is the status
        assert (await c.get(f"{a.url}/cache/stats", headers=bearer("wrong-key-000"))).status_code == 401
    client = aioredis.Redis.from_url(redis_url)
    try:
        keys = [k.decode() async for k in client.scan_iter(match=f"{prefix}:ratelimit:*")]
    finally:
        await client.aclose()
    assert sorted(keys) == sorted(
        [bucket_key(prefix, "acme", "key-acme-0001"), bucket_key(prefix, "globex", "key-globex-01")]
    )
    assert not any("key-acme" in k for k in keys)  # a digest, never the key


async def test_rate_limit_fails_open_while_redis_is_down(
    service_factory: ServiceFactory, own_redis: KillableRedis
) -> None:
    server = service_factory(REDIS_URL=own_redis.url, REDIS_TIMEOUT_S=0.5, RATE_LIMIT_PER_MINUTE=2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        await own_redis.kill()
        for i in range(4):
            r = await c.post("/v1/chat/completions", json=chat(f"limited but Redis is down {i}"))
            assert r.status_code == 200 and r.headers["x-semcache-status"] == "BYPASS"


async def test_cors_is_closed_by_default_and_opens_only_to_listed_origins(service_factory: ServiceFactory) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    closed = service_factory()
    opened = service_factory(CORS_ORIGINS="https://app.example, https://admin.example/")
    async with httpx.AsyncClient(timeout=30) as c:
        r = await c.options(f"{closed.url}/v1/chat/completions", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
        r = await c.get(f"{closed.url}/health", headers={"Origin": "https://app.example"})
        assert "access-control-allow-origin" not in r.headers
        r = await c.options(f"{opened.url}/v1/chat/completions", headers=preflight)
        assert r.headers.get("access-control-allow-origin") != "https://evil.example"
        good = {**preflight, "Origin": "https://app.example", "Access-Control-Request-Headers": "authorization"}
        r = await c.options(f"{opened.url}/v1/chat/completions", headers=good)
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://app.example"
        assert "access-control-allow-credentials" not in r.headers
        r = await c.get(f"{opened.url}/health", headers={"Origin": "https://admin.example"})
        assert r.headers["access-control-allow-origin"] == "https://admin.example"
        assert "x-semcache-status" in r.headers["access-control-expose-headers"]


async def test_secrets_are_never_logged_or_returned(
    service_factory: ServiceFactory, own_redis: KillableRedis, caplog: pytest.LogCaptureFixture
) -> None:
    redis_password, llm_key = "redis-pass-7f3a9c", "sk-upstream-secret-5d1e"
    async with aioredis.Redis.from_url(own_redis.url) as client:
        await client.config_set("requirepass", redis_password)
    own_redis.password = redis_password
    secrets = ["key-acme-0001", "key-globex-01", ADMIN, redis_password, llm_key, "wrong-key-given-123"]
    caplog.set_level(logging.DEBUG)
    server = service_factory(
        SEMCACHE_API_KEYS=KEYS,
        SEMCACHE_ADMIN_KEY=ADMIN,
        LLM_API_KEY=llm_key,
        REDIS_URL=f"redis://:{redis_password}@127.0.0.1:{own_redis.port}/0",
        REDIS_TIMEOUT_S=0.5,
    )
    seen: list[str] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:

        async def call(method: str, path: str, key: str | None = None, **kw: object) -> None:
            r = await c.request(method, path, headers=bearer(key) if key else {}, **kw)  # type: ignore[arg-type]
            seen.append(f"{r.status_code} {dict(r.headers)} {r.text}")

        for key in ("key-acme-0001", "wrong-key-given-123", ADMIN, None):
            await call("POST", "/v1/chat/completions", key, json=chat("secret test"))
            await call("POST", "/ask", key, json={"prompt": "secret test"})
            await call("GET", "/v1/models", key)
            await call("GET", "/cache/stats", key)
        await call("POST", "/v1/chat/completions", "key-acme-0001", json=chat("upstream fails [[status:500]]"))
        for path in ("/health", "/readiness", "/openapi.json", "/metrics", "/telemetry/summary"):
            await call("GET", path, ADMIN)
        await own_redis.kill()  # errors now carry connection details: they must not carry the password
        await call("POST", "/v1/chat/completions", "key-acme-0001", json=chat("secret test while down"))
        await call("GET", "/health")
        await call("GET", "/readiness")
        await call("GET", "/cache/stats", "key-acme-0001")
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert "secret test" in "\n".join(seen)  # the traffic did happen
    assert any(r.name == "semcache.access" for r in caplog.records)  # and its logs were captured
    for secret in secrets:
        assert secret not in logged, f"{secret!r} in the logs"
        assert not any(secret in s for s in seen), f"{secret!r} in a response"
