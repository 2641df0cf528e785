"""The OpenAI-compatible gateway, driven by the official openai SDK (sync and async, streaming and not)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import openai
import pytest
from openai import AsyncOpenAI, OpenAI
from openai.types.chat import ChatCompletionMessageParam

from tests.conftest import ServiceFactory
from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE_PARAPHRASE
from tests.support.upstream import Upstream
from tests.support.wait import cache_ready, drained, eventually

Q = "What is the capital of France?"


def user(text: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "user", "content": text}]


@pytest.fixture
async def aclient(service: LiveServer) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=service.url + "/v1", api_key="any-key", max_retries=0) as client:
        yield client


async def test_miss_then_exact_then_semantic_hit_non_streaming(
    service: LiveServer, aclient: AsyncOpenAI, upstream: Upstream
) -> None:
    upstream.state.answers[Q] = "Paris."
    r = await aclient.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=user(Q))
    miss = r.parse()
    assert r.headers["x-semcache-status"] == "MISS" and miss.choices[0].message.content == "Paris."
    assert miss.usage is not None and miss.usage.completion_tokens == 1 and miss.model == "gpt-4o-mini"
    await drained(service)
    r = await aclient.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=user(Q.upper()))
    hit = r.parse()
    assert r.headers["x-semcache-status"] == "HIT-EXACT" and hit.choices[0].message.content == "Paris."
    assert hit.choices[0].finish_reason == "stop" and hit.object == "chat.completion" and hit.id.startswith("chatcmpl-")
    # A hit reports the stored answer's usage (clients sum it for cost tracking); the header says none was billed.
    assert hit.usage is not None and (hit.usage.prompt_tokens, hit.usage.completion_tokens) == (11, 1)
    assert r.headers["x-semcache-billed-tokens"] == "0" and int(r.headers["age"]) >= 0
    r = await aclient.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=user(FRANCE_PARAPHRASE))
    assert r.headers["x-semcache-status"] == "HIT-SEMANTIC" and float(r.headers["x-semcache-similarity"]) > 0.9
    assert (
        r.headers["x-semcache-entry"]
        == (await aclient.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=user(Q))).headers[
            "x-semcache-entry"
        ]
    )
    other_model = await aclient.chat.completions.with_raw_response.create(model="gpt-4o", messages=user(Q))
    assert other_model.headers["x-semcache-status"] == "MISS"
    assert upstream.state.calls_for(Q) == 2


async def test_a_cached_stream_parses_like_a_fresh_one(
    service: LiveServer, aclient: AsyncOpenAI, upstream: Upstream
) -> None:
    upstream.state.answers[Q] = "The capital of France is Paris."

    async def read() -> tuple[str, str | None, object, str]:
        async with aclient.chat.completions.with_streaming_response.create(
            model="m",
            messages=user(Q),
            stream=True,
            stream_options={"include_usage": True},
        ) as response:
            status = response.headers["x-semcache-status"]
            stream = await response.parse()
            text, finish, usage = "", None, None
            async for chunk in stream:
                assert chunk.object == "chat.completion.chunk"
                if chunk.choices:
                    text += chunk.choices[0].delta.content or ""
                    finish = chunk.choices[0].finish_reason or finish
                if chunk.usage:
                    usage = chunk.usage
            return text, finish, usage, status

    fresh = await read()
    assert fresh[0] == "The capital of France is Paris." and fresh[1] == "stop" and fresh[3] == "MISS"
    await drained(service)
    cached = await read()
    assert cached[:2] == fresh[:2] and cached[3] == "HIT-EXACT"
    assert cached[2] == fresh[2]  # the stored answer's usage, as the miss reported it


def test_sync_sdk_streaming_and_not(service: LiveServer) -> None:
    with OpenAI(base_url=service.url + "/v1", api_key="k", max_retries=0) as client:
        _sync_checks(client)


def _sync_checks(client: OpenAI) -> None:
    text = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(model="m", messages=user("Sync question"), stream=True)
        if c.choices
    )
    assert text == "Answer to: Sync question"
    assert client.models.list().data[0].id
    emb = client.embeddings.create(model="any", input=["a", "b"])
    assert len(emb.data) == 2 and len(emb.data[0].embedding) == 384


async def test_cache_controls(service: LiveServer, aclient: AsyncOpenAI, upstream: Upstream) -> None:
    create = aclient.chat.completions.with_raw_response.create
    r = await create(model="m", messages=user("Control me"), extra_headers={"Cache-Control": "no-store"})
    assert r.headers["x-semcache-status"] == "MISS"
    await drained(service)  # whatever it would store is stored by now
    r = await create(model="m", messages=user("Control me"), extra_headers={"Cache-Control": "no-store"})
    assert r.headers["x-semcache-status"] == "MISS", "no-store must not store"
    r = await create(model="m", messages=user("Control me"))
    await drained(service)
    r = await create(model="m", messages=user("Control me"), extra_headers={"Cache-Control": "no-cache"})
    assert r.headers["x-semcache-status"] == "BYPASS"
    await drained(service)  # no-cache still stores: the entry is renewed now
    r = await create(model="m", messages=user("Control me"), extra_headers={"Cache-Control": "max-age=3600"})
    assert r.headers["x-semcache-status"] == "HIT-EXACT", "younger than max-age"

    async def two_seconds_old() -> bool:
        r = await create(model="m", messages=user("Control me"))
        return r.headers["x-semcache-status"] == "HIT-EXACT" and int(r.headers["age"]) >= 2

    await eventually(two_seconds_old, what="the entry's Age header reaching 2 s", every_s=0.25)
    r = await create(model="m", messages=user("Control me"), extra_headers={"Cache-Control": "max-age=1"})
    assert r.headers["x-semcache-status"] == "MISS", "older than max-age"
    r = await create(model="m", messages=user("Control me"), extra_headers={"x-semcache-namespace": "team-a"})
    assert r.headers["x-semcache-status"] == "MISS", "another namespace is another scope"
    # The threshold header: a paraphrase served at the default threshold is a miss at 0.99.
    await create(model="m", messages=user(Q))
    await drained(service)
    r = await create(model="m", messages=user(FRANCE_PARAPHRASE))
    assert r.headers["x-semcache-status"] == "HIT-SEMANTIC" and float(r.headers["x-semcache-similarity"]) < 0.99
    r = await create(model="m", messages=user(FRANCE_PARAPHRASE), extra_headers={"x-semcache-threshold": "0.99"})
    assert r.headers["x-semcache-status"] == "MISS"
    for bad in (
        {"x-semcache-ttl": "soon"},
        {"x-semcache-threshold": "2"},
        {"Cache-Control": "max-age=x"},
        {"x-semcache-namespace": "a b"},
    ):
        with pytest.raises(openai.UnprocessableEntityError):
            await create(model="m", messages=user("x"), extra_headers=bad)


async def test_system_and_window_rules(service: LiveServer, aclient: AsyncOpenAI, upstream: Upstream) -> None:
    create = aclient.chat.completions.with_raw_response.create
    fr = [{"role": "system", "content": "Answer in French."}, *user("Greet me")]
    en = [{"role": "system", "content": "Answer in English."}, *user("Greet me")]
    await create(model="m", messages=fr)  # type: ignore[arg-type]
    await drained(service)
    assert (await create(model="m", messages=fr)).headers["x-semcache-status"] == "HIT-EXACT"  # type: ignore[arg-type]
    assert (await create(model="m", messages=en)).headers["x-semcache-status"] == "MISS"  # type: ignore[arg-type]
    long = [*[m for i in range(5) for m in (*user(f"turn {i}"), {"role": "assistant", "content": "ok"})], *user("last")]
    r = await create(model="m", messages=long)  # type: ignore[arg-type]
    assert r.headers["x-semcache-status"] == "BYPASS" and "CACHE_MAX_MESSAGES" in r.headers["x-semcache-reason"]
    r = await create(model="m", messages=user("Pick one"), n=2)
    assert r.headers["x-semcache-status"] == "BYPASS"
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]
    r = await create(model="m", messages=user("Call a tool"), tools=tools)  # type: ignore[arg-type]
    assert r.headers["x-semcache-status"] == "BYPASS"


async def test_tenants_and_admin(service_factory: ServiceFactory) -> None:
    server = service_factory(
        SEMCACHE_API_KEYS="key-acme-0001=acme,key-globex-01=globex", SEMCACHE_ADMIN_KEY="admin-key-99"
    )
    acme = AsyncOpenAI(base_url=server.url + "/v1", api_key="key-acme-0001", max_retries=0)
    globex = AsyncOpenAI(base_url=server.url + "/v1", api_key="key-globex-01", max_retries=0)
    wrong = AsyncOpenAI(base_url=server.url + "/v1", api_key="wrong-key-000", max_retries=0)
    await acme.chat.completions.create(model="m", messages=user(Q))
    await drained(server)
    r = await acme.chat.completions.with_raw_response.create(model="m", messages=user(Q))
    assert r.headers["x-semcache-status"] == "HIT-EXACT"
    r = await globex.chat.completions.with_raw_response.create(model="m", messages=user(Q))
    assert r.headers["x-semcache-status"] == "MISS"
    with pytest.raises(openai.AuthenticationError):
        await wrong.models.list()
    async with httpx.AsyncClient(base_url=server.url) as c:
        assert (await c.delete("/cache/clear", headers={"Authorization": "Bearer key-acme-0001"})).status_code == 403
        cleared = await c.delete(
            "/cache/clear", params={"tenant": "acme"}, headers={"Authorization": "Bearer admin-key-99"}
        )
        assert cleared.json()["deleted"] >= 1
    for client in (acme, globex, wrong):
        await client.close()


async def test_twenty_concurrent_identical_misses_make_one_upstream_call(
    aclient: AsyncOpenAI, upstream: Upstream
) -> None:
    upstream.state.delay_s = 0.3
    results = await asyncio.gather(
        *(aclient.chat.completions.create(model="m", messages=user("Single flight please")) for _ in range(20))
    )
    assert {r.choices[0].message.content for r in results} == {"Answer to: Single flight please"}
    assert upstream.state.calls_for("Single flight please") == 1


async def _ask_across(servers: tuple[LiveServer, ...], text: str, n: int, headers: dict[str, str]) -> set[str | None]:
    clients = [AsyncOpenAI(base_url=s.url + "/v1", api_key="k", max_retries=0) for s in servers]
    try:
        results = await asyncio.gather(
            *(
                clients[i % len(clients)].chat.completions.create(model="m", messages=user(text), extra_headers=headers)
                for i in range(n)
            )
        )
    finally:
        for client in clients:
            await client.close()
    return {r.choices[0].message.content for r in results}


async def _two_ready_replicas(service_factory: ServiceFactory) -> tuple[LiveServer, LiveServer]:
    """Two services on one cache prefix, each with its cache ready."""
    from tests.conftest import unique_prefix

    prefix = unique_prefix()
    a, b = service_factory(CACHE_PREFIX=prefix), service_factory(CACHE_PREFIX=prefix)
    await cache_ready(a)
    await cache_ready(b)
    return a, b


async def test_single_flight_across_two_replicas(service_factory: ServiceFactory, upstream: Upstream) -> None:
    replicas = await _two_ready_replicas(service_factory)
    upstream.state.delay_s = 0.5
    assert await _ask_across(replicas, "Across replicas", 10, {}) == {"Answer to: Across replicas"}
    assert upstream.state.calls_for("Across replicas") == 1


async def test_no_cache_requests_across_replicas_share_one_call(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    """A no-cache request skips its lookup but still joins the flight; following another replica's leader it
    serves the entry that leader stored (it used to fail an assertion there: a 500)."""
    replicas = await _two_ready_replicas(service_factory)
    upstream.state.delay_s = 0.5
    answers = await _ask_across(replicas, "Fresh across replicas", 10, {"Cache-Control": "no-cache"})
    assert answers == {"Answer to: Fresh across replicas"}
    assert upstream.state.calls_for("Fresh across replicas") == 1


async def test_single_flight_in_one_replica_while_redis_is_down(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    """No Redis to coordinate replicas, but identical concurrent misses in one process still make one call."""
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    alone = service_factory(REDIS_URL=f"redis://127.0.0.1:{port}", REDIS_TIMEOUT_S=0.5)
    upstream.state.delay_s = 0.5
    assert await _ask_across((alone,), "Redis is away", 5, {}) == {"Answer to: Redis is away"}
    assert upstream.state.calls_for("Redis is away") == 1


async def test_a_failed_leader_releases_its_followers(aclient: AsyncOpenAI, upstream: Upstream) -> None:
    upstream.state.delay_s = 0.2
    results = await asyncio.gather(
        *(aclient.chat.completions.create(model="m", messages=user("Shaky [[fail:1]]")) for _ in range(5)),
        return_exceptions=True,
    )
    ok = [r for r in results if not isinstance(r, BaseException)]
    assert len(ok) >= 4 and upstream.state.calls_for("Shaky") >= 2


async def test_upstream_errors_become_http_errors(aclient: AsyncOpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as rate:
        await aclient.chat.completions.create(model="m", messages=user("Busy [[status:429]]"))
    assert rate.value.response.headers["x-semcache-status"] == "ERROR"
    with pytest.raises(openai.InternalServerError):
        await aclient.chat.completions.create(model="m", messages=user("Broken [[status:500]]"))
    with pytest.raises(openai.APIError):
        stream = await aclient.chat.completions.create(model="m", messages=user("Cut me off [[cut]]"), stream=True)
        async for _ in stream:
            pass


async def test_bad_requests(aclient: AsyncOpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError):
        await aclient.chat.completions.create(model="m", messages=[])
    with pytest.raises(openai.UnprocessableEntityError):
        await aclient.chat.completions.create(model="m", messages=user("x"), temperature=5)
    with pytest.raises(openai.UnprocessableEntityError):
        await aclient.embeddings.create(model="m", input=[])
