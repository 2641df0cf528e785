"""The cache endpoints against the real embedded Redis and the real local embedder, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from semcache.config import DEFAULT_SIMILARITY_THRESHOLD
from tests.conftest import ServiceFactory
from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE_PARAPHRASE
from tests.support.wait import eventually

FRANCE = "What is the capital of France?"


@pytest.fixture
async def client(service: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        yield c


async def store(client: httpx.AsyncClient, prompt: str, response: str, **extra: object) -> dict[str, object]:
    r = await client.post("/cache/store", json={"prompt": prompt, "response": response, **extra})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def search(client: httpx.AsyncClient, prompt: str, **extra: object) -> dict[str, object]:
    r = await client.post("/cache/search", json={"prompt": prompt, **extra})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_health_reports_redis_modules_and_index(client: httpx.AsyncClient) -> None:
    body = (await client.get("/health")).json()
    assert body["status"] == "ok" and body["redis"] and body["search_module"] and body["index"]


async def test_paraphrase_hits_and_near_miss_does_not(client: httpx.AsyncClient) -> None:
    stored = await store(client, FRANCE, "Paris.")
    hit = await search(client, FRANCE_PARAPHRASE)
    assert hit["hit"] and hit["match"]["source"] == "semantic" and hit["match"]["response"] == "Paris."  # type: ignore[index]
    assert hit["match"]["id"] == stored["id"]  # type: ignore[index]
    assert 0.9 < hit["match"]["similarity"] <= 1.0  # type: ignore[index]
    miss = await search(client, "What is the capital of Germany?")
    assert not miss["hit"] and miss["match"] is None
    assert miss["candidates"] and not miss["candidates"][0]["within_threshold"]  # type: ignore[index]


async def test_exact_fast_path_ignores_case_and_spacing(client: httpx.AsyncClient) -> None:
    await store(client, FRANCE, "Paris.")
    hit = await search(client, "  what is the CAPITAL of   france? ")
    assert hit["hit"] and hit["match"]["source"] == "exact" and hit["match"]["distance"] == 0.0  # type: ignore[index]


async def test_request_can_only_tighten_the_threshold(client: httpx.AsyncClient) -> None:
    await store(client, FRANCE, "Paris.")
    strict = await search(client, FRANCE_PARAPHRASE, similarity_threshold=0.99)
    assert not strict["hit"] and strict["similarity_threshold"] == pytest.approx(0.99)
    loose = await search(client, "What is the capital of Germany?", similarity_threshold=0.1)
    assert not loose["hit"] and loose["similarity_threshold"] == pytest.approx(DEFAULT_SIMILARITY_THRESHOLD)


async def test_scopes_are_hard_filters(client: httpx.AsyncClient) -> None:
    await store(client, FRANCE, "Paris (fr)", scope={"locale": "fr"})
    assert not (await search(client, FRANCE))["hit"]
    assert not (await search(client, FRANCE, scope={"locale": "de"}))["hit"]
    hit = await search(client, FRANCE, scope={"locale": "fr"})
    assert hit["hit"] and hit["match"]["response"] == "Paris (fr)"  # type: ignore[index]


async def test_tenants_never_see_each_other(service_factory: ServiceFactory) -> None:
    server = service_factory(
        SEMCACHE_API_KEYS="key-aaaaaaaa=acme,key-bbbbbbbb=globex", SEMCACHE_ADMIN_KEY="admin-key-1"
    )
    async with httpx.AsyncClient(base_url=server.url) as c:
        a = {"Authorization": "Bearer key-aaaaaaaa"}
        b = {"Authorization": "Bearer key-bbbbbbbb"}
        r = await c.post("/cache/store", json={"prompt": FRANCE, "response": "acme's Paris"}, headers=a)
        assert r.status_code == 201
        for prompt in (FRANCE, FRANCE_PARAPHRASE):
            r = await c.post("/cache/search", json={"prompt": prompt}, headers=b)
            assert r.json()["hit"] is False
        r = await c.post("/cache/search", json={"prompt": FRANCE}, headers=a)
        assert r.json()["hit"] is True
        assert (await c.post("/cache/search", json={"prompt": FRANCE})).status_code == 401
        r = await c.post(
            "/cache/store", json={"prompt": FRANCE, "response": "x", "scope": {"tenant": "acme"}}, headers=b
        )
        assert r.status_code == 422 and "tenant" in r.json()["error"]["message"]
        assert (await c.delete("/cache/clear", headers=a)).status_code == 403
        assert (await c.delete("/cache/clear", headers={"Authorization": "Bearer admin-key-1"})).status_code == 200


async def test_ttl_expiry(client: httpx.AsyncClient) -> None:
    await store(client, FRANCE, "Paris.", ttl=1)
    assert (await search(client, FRANCE))["hit"]

    async def expired() -> bool:  # Redis expires the key itself: poll the outcome, bounded by a deadline
        gone = await search(client, FRANCE)
        return not gone["hit"] and gone["candidates"] == []

    await eventually(expired, what="the entry stored with ttl=1 expiring", every_s=0.2)


async def test_hostile_scope_values_neither_break_nor_widen_the_query(client: httpx.AsyncClient) -> None:
    hostile = ["a} | @tenant:{*", "*", "x)=>[KNN 10 @embedding $BLOB]", 'naïve \\ "q"', "-1", "$BLOB"]
    for value in hostile:
        await store(client, FRANCE, f"answer for {value}", scope={"namespace": value})
    for value in hostile:
        hit = await search(client, FRANCE, scope={"namespace": value})
        assert hit["hit"] and hit["match"]["response"] == f"answer for {value}"  # type: ignore[index]
        assert len(hit["candidates"]) == 1  # type: ignore[arg-type]
    assert not (await search(client, FRANCE_PARAPHRASE))["hit"]


async def test_stats_clear_and_delete(client: httpx.AsyncClient) -> None:
    first = await store(client, FRANCE, "Paris.")
    await store(client, "How tall is Mount Everest?", "8,849 m")
    await search(client, FRANCE)
    stats = (await client.get("/cache/stats")).json()
    assert stats["entries"] == 2 and stats["hits"] == 1 and stats["embedder"].endswith("384")
    assert (await client.delete(f"/cache/entries/{first['id']}")).status_code == 204
    assert (await client.delete(f"/cache/entries/{first['id']}")).status_code == 404
    await store(client, "What is the capital of Spain?", "Madrid.")
    assert (await client.delete("/cache/clear", params={"pattern": "*capital*"})).json() == {"deleted": 1}
    assert (await client.delete("/cache/clear")).json() == {"deleted": 1}
    assert (await client.get("/cache/stats")).json()["entries"] == 0


async def test_search_by_embedding(client: httpx.AsyncClient) -> None:
    await store(client, FRANCE, "Paris.")
    vec = (await client.post("/vector/search", json={"text": "probe", "top_k": 1})).status_code
    assert vec == 200
    r = await client.post("/cache/search", json={"embedding": [0.1] * 384, "top_k": 2})
    assert r.status_code == 200 and len(r.json()["candidates"]) == 1
    r = await client.post("/cache/search", json={"embedding": [0.1] * 3})
    assert r.status_code == 422 and "384" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"prompt": ""},
        {"prompt": "   "},
        {"prompt": "x", "embedding": [1.0]},
        {"prompt": "x", "top_k": 0},
        {"prompt": "x", "top_k": 1000},
        {"prompt": "x", "similarity_threshold": 1.5},
        {"prompt": "x", "distance_threshold": -1},
        {"prompt": "x", "similarity_threshold": 0.9, "distance_threshold": 0.1},
        {"prompt": 5},
        {"prompt": "x", "treshold": 0.9},
        {"prompt": "x", "scope": {"locale": "a\x01b"}},
        {"prompt": "x" * 40_000},
    ],
)
async def test_bad_search_input_is_a_422_with_a_json_error(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    r = await client.post("/cache/search", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_request" and r.json()["error"]["message"]


async def test_bad_store_input(client: httpx.AsyncClient) -> None:
    for body in ({"prompt": "x"}, {"prompt": "x", "response": ""}, {"prompt": "x", "response": "y", "ttl": 0}):
        assert (await client.post("/cache/store", json=body)).status_code == 422
    r = await client.post("/cache/store", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


async def test_vector_add_and_search(client: httpx.AsyncClient) -> None:
    for text in ("Redis is an in-memory database", "Paris is the capital of France", "Cats are mammals"):
        r = await client.post("/vector/add", json={"text": text, "metadata": {"len": len(text)}})
        assert r.status_code == 201
    r = await client.post("/vector/search", json={"text": "an in-memory data store", "top_k": 2})
    results = r.json()["results"]
    assert results[0]["text"] == "Redis is an in-memory database" and results[0]["metadata"] == {"len": 30}
    r = await client.post("/vector/search", json={"text": "an in-memory data store", "threshold": 0.99})
    assert r.json()["results"] == []


async def test_max_prompt_chars_is_enforced(service_factory: ServiceFactory) -> None:
    server = service_factory(MAX_PROMPT_CHARS=20)
    async with httpx.AsyncClient(base_url=server.url) as c:
        long = "x" * 21
        for path, body in (
            ("/cache/store", {"prompt": long, "response": "y"}),
            ("/cache/search", {"prompt": long}),
            ("/ask", {"prompt": long}),
        ):
            r = await c.post(path, json=body)
            assert r.status_code == 422 and "MAX_PROMPT_CHARS" in r.json()["error"]["message"], path
