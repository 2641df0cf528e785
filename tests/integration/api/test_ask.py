"""/ask and /ask/stream against the scripted loopback upstream (real HTTP, real Redis, real embedder)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import ServiceFactory
from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE_PARAPHRASE
from tests.support.sse import Event, collect, events
from tests.support.upstream import Upstream
from tests.support.wait import drained, eventually


@pytest.fixture
async def client(service: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        yield c


def by_column(evs: list[Event], column: str) -> list[Event]:
    return [e for e in evs if e.data.get("column") == column]


def done(evs: list[Event], column: str) -> dict[str, object]:
    return next(e.data for e in evs if e.name == "column_complete" and e.data["column"] == column)


async def is_stored(server: LiveServer, client: httpx.AsyncClient, prompt: str, model: str = "default") -> bool:
    """Whether `prompt` is in the cache once the service has finished its stores (no guessing how long)."""
    await drained(server)
    r = await client.post("/cache/search", json={"prompt": prompt, "scope": {"model": model}})
    return bool(r.json()["hit"])


async def test_stream_event_order_on_a_miss_then_a_paraphrase_hit(
    service: LiveServer, client: httpx.AsyncClient, upstream: Upstream
) -> None:
    upstream.state.answers["What is the capital of France?"] = "The capital of France is Paris."
    evs = await collect(client, "/ask/stream", {"prompt": "What is the capital of France?"})
    names = [e.name for e in evs]
    assert names[-1] == "stream_complete" and names.count("column_complete") == 2
    for column in ("raw", "cache"):
        col = [e.name for e in by_column(evs, column)]
        assert col[0] == "column_start" and col[-1] == "column_complete"
        assert "".join(str(e.data["text"]) for e in by_column(evs, column) if e.name == "content_chunk") == (
            "The capital of France is Paris."
        )
    cache = [e.name for e in by_column(evs, "cache")]
    assert cache.index("cache_document") < cache.index("content_chunk")
    assert done(evs, "raw")["status"] == "ok"
    miss = done(evs, "cache")
    assert miss["status"] == "miss" and miss["stored"] is True
    assert upstream.state.calls_for("capital of France") == 1, "one upstream call serves both columns"
    assert await is_stored(service, client, "What is the capital of France?")

    hit = await collect(client, "/ask/stream", {"prompt": FRANCE_PARAPHRASE})
    doc = next(e.data for e in hit if e.name == "cache_document")
    assert doc["status"] == "hit" and doc["source"] == "semantic" and doc["prompt"] == "What is the capital of France?"
    assert isinstance(doc["similarity"], float) and doc["similarity"] > 0.9
    assert len(doc["embedding"]) == 8 and doc["dims"] == 384  # type: ignore[arg-type]
    assert "KNN" in str(doc["query"])
    result = done(hit, "cache")
    assert result["status"] == "hit" and result["tokens_saved"] > 0 and result["cost_usd"] == 0.0  # type: ignore[operator]


async def test_a_hit_finishes_before_the_raw_columns_first_token(client: httpx.AsyncClient, upstream: Upstream) -> None:
    await client.post(
        "/cache/store",
        json={"prompt": "How tall is Mount Everest?", "response": "8,849 m", "scope": {"model": "default"}},
    )
    upstream.state.delay_s = 0.3
    evs = await collect(client, "/ask/stream", {"prompt": "How tall is Mount Everest?"})
    cache_done = next(e for e in evs if e.name == "column_complete" and e.data["column"] == "cache")
    raw_first = next(e for e in evs if e.name == "content_chunk" and e.data["column"] == "raw")
    assert cache_done.data["status"] == "hit" and cache_done.data["source"] == "exact"
    assert cache_done.at < raw_first.at
    assert evs.index(cache_done) < evs.index(raw_first)


async def test_ask_returns_both_columns_with_metadata(service: LiveServer, client: httpx.AsyncClient) -> None:
    r = await client.post("/ask", json={"prompt": "Name a primary colour."})
    assert r.status_code == 200
    body = r.json()
    assert body["raw"]["text"] == body["cache"]["text"] == "Answer to: Name a primary colour."
    assert body["cache"]["status"] == "miss" and body["cache"]["document"]["status"] == "miss"
    assert body["raw"]["prompt_tokens"] == 11 and body["raw"]["completion_tokens"] == 6
    assert await is_stored(service, client, "Name a primary colour.")
    again = (await client.post("/ask", json={"prompt": "Name a primary colour."})).json()
    assert again["cache"]["status"] == "hit" and again["cache"]["source"] == "exact"
    assert again["cache"]["similarity"] == 1.0 and again["cache"]["document"]["doc_id"] == again["cache"]["entry_id"]


@pytest.mark.parametrize(
    ("directive", "status", "code"),
    [
        ("[[status:500]]", "error", "llm_error"),
        ("[[status:429]]", "error", "llm_rate_limited"),
        ("[[cut]]", "error", "llm_error"),
        ("[[sleep:3]]", "error", "llm_timeout"),
    ],
)
async def test_upstream_failures_are_reported_and_never_stored(
    service_factory: ServiceFactory, directive: str, status: str, code: str
) -> None:
    server = service_factory(LLM_TIMEOUT_S=1)
    prompt = f"Tell me a fact {directive}"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        evs = await collect(c, "/ask/stream", {"prompt": prompt})
        for column in ("raw", "cache"):
            result = done(evs, column)
            assert result["status"] == status and result["error"]["code"] == code  # type: ignore[index]
            assert result["stored"] is False
        assert not await is_stored(server, c, prompt)


@pytest.mark.parametrize("directive", ["[[refuse]]", "[[length]]", "[[empty]]"])
async def test_refused_truncated_or_empty_answers_are_not_stored(
    service: LiveServer, client: httpx.AsyncClient, directive: str
) -> None:
    prompt = f"Tell me something {directive}"
    body = (await client.post("/ask", json={"prompt": prompt})).json()
    assert body["cache"]["status"] == "miss" and body["cache"]["stored"] is False
    assert body["cache"]["reason"].startswith("not stored")
    assert not await is_stored(service, client, prompt)


async def test_an_answer_with_the_upstream_refusal_field_is_not_stored_whatever_its_text(
    service: LiveServer, client: httpx.AsyncClient
) -> None:
    """The API's `refusal` field marks a refusal even when the text beside it reads like an answer."""
    prompt = "Tell me a secret [[refusalfield]]"
    body = (await client.post("/ask", json={"prompt": prompt})).json()
    assert body["raw"]["status"] == "ok" and body["raw"]["text"] == "Answer to: Tell me a secret"
    assert body["cache"]["stored"] is False and body["cache"]["reason"] == "not stored: the LLM refused"
    chat = {"model": "m", "messages": [{"role": "user", "content": prompt}]}
    r = await client.post("/v1/chat/completions", json=chat)
    assert r.status_code == 200 and r.headers["x-semcache-status"] == "MISS"
    assert not await is_stored(service, client, prompt) and not await is_stored(service, client, prompt, "m")


async def test_retries_on_5xx_then_succeeds(service_factory: ServiceFactory, upstream: Upstream) -> None:
    server = service_factory(LLM_MAX_RETRIES=2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        body = (await c.post("/ask", json={"prompt": "Flaky question [[fail:1]]"})).json()
    assert body["raw"]["status"] == "ok" and upstream.state.calls_for("Flaky question") == 2


async def test_client_disconnect_cancels_the_upstream_and_stores_nothing(
    service: LiveServer, client: httpx.AsyncClient, upstream: Upstream
) -> None:
    prompt = "Count slowly to ten [[slowchunks:0.3]]"
    async with client.stream("POST", "/ask/stream", json={"prompt": prompt}) as response:
        async for event in events(response):
            if event.name == "content_chunk":
                break  # hang up mid-answer
    await eventually(
        lambda: upstream.state.cancelled > 0 and not upstream.state.in_flight, what="the upstream call was cancelled"
    )
    assert upstream.state.cancelled == 1 and upstream.state.completed == 0
    assert not await is_stored(service, client, prompt)


async def test_redis_down_bypasses_the_cache_and_still_answers(service_factory: ServiceFactory) -> None:
    from semcache.local.process import free_port

    server = service_factory(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", REDIS_TIMEOUT_S=0.5)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        evs = await collect(c, "/ask/stream", {"prompt": "Is the cache up?"})
        doc = next(e.data for e in evs if e.name == "cache_document")
        assert doc["status"] == "bypass" and "unavailable" in str(doc["reason"])
        result = done(evs, "cache")
        assert result["status"] == "bypass" and result["stored"] is False
        assert (
            "".join(str(e.data["text"]) for e in by_column(evs, "cache") if e.name == "content_chunk")
            == "Answer to: Is the cache up?"
        )
        health = await c.get("/health")
        assert health.status_code == 503 and health.json()["status"] == "down"
        # Readiness stays green: the replica keeps serving (from the LLM) while Redis is down.
        assert (await c.get("/health/ready")).status_code == 200
        assert (await c.get("/health/live")).status_code == 200


async def test_no_cache_and_no_store_options(service: LiveServer, client: httpx.AsyncClient) -> None:
    body = (await client.post("/ask", json={"prompt": "Colour of the sky?", "no_store": True})).json()
    assert body["cache"]["status"] == "miss" and body["cache"]["stored"] is False
    assert not await is_stored(service, client, "Colour of the sky?")
    body = (await client.post("/ask", json={"prompt": "Colour of the sky?", "no_cache": True})).json()
    assert body["cache"]["status"] == "bypass" and body["cache"]["stored"] is True
    assert await is_stored(service, client, "Colour of the sky?")
    body = (await client.post("/ask", json={"prompt": "Colour of the sky?", "no_cache": True})).json()
    assert body["cache"]["status"] == "bypass"


async def test_llm_test_endpoint(client: httpx.AsyncClient, service_factory: ServiceFactory) -> None:
    ok = (await client.get("/llm/test")).json()
    assert ok["ok"] and ok["provider"] == "compatible" and ok["answer"] and ok["latency_ms"] > 0
    from semcache.local.process import free_port

    broken = service_factory(LLM_BASE_URL=f"http://127.0.0.1:{free_port()}/v1")
    async with httpx.AsyncClient(base_url=broken.url, timeout=30) as c:
        body = (await c.get("/llm/test")).json()
    assert body["ok"] is False and body["error"]["code"] == "llm_error"


async def test_bad_ask_input(client: httpx.AsyncClient) -> None:
    for body in (
        {},
        {"prompt": ""},
        {"prompt": "x", "scope": {"tenant": "x"}},
        {"prompt": "x", "ttl": -1},
        {"prompt": "x", "similarity_threshold": 2},
    ):
        r = await client.post("/ask/stream", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", body
        assert (await client.post("/ask", json=body)).status_code == 422
