"""Browsing and managing entries (GET /cache/entries, probe, tags, older_than, generations) against the real
embedded Redis and the real local embedder, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import numpy as np
import pytest
import redis.asyncio as aioredis

from semcache.cache.models import NewEntry
from semcache.cache.query import entries_filter
from semcache.cache.redis import RedisStore
from semcache.cache.schema import IndexSpec, slug
from tests.conftest import ServiceFactory, unique_prefix
from tests.support.live import LiveServer
from tests.support.wait import eventually

FRANCE = "What is the capital of France?"
ADMIN = {"Authorization": "Bearer admin-key-1"}
ACME = {"Authorization": "Bearer key-aaaaaaaa"}
GLOBEX = {"Authorization": "Bearer key-bbbbbbbb"}


@pytest.fixture
async def client(service: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        yield c


@pytest.fixture
async def tenants(service_factory: ServiceFactory) -> AsyncIterator[httpx.AsyncClient]:
    server = service_factory(
        SEMCACHE_API_KEYS="key-aaaaaaaa=acme,key-bbbbbbbb=globex", SEMCACHE_ADMIN_KEY="admin-key-1"
    )
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        yield c


async def store(client: httpx.AsyncClient, prompt: str, response: str, **extra: object) -> dict[str, object]:
    headers = extra.pop("headers", None)
    r = await client.post("/cache/store", json={"prompt": prompt, "response": response, **extra}, headers=headers)  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def entries(client: httpx.AsyncClient, **params: object) -> dict[str, object]:
    headers = params.pop("headers", None)
    r = await client.get("/cache/entries", params=params, headers=headers)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def prompts(page: dict[str, object]) -> list[str]:
    return [e["prompt"] for e in page["entries"]]  # type: ignore[attr-defined]


async def test_list_filters_sorts_and_pages(client: httpx.AsyncClient) -> None:
    await store(client, FRANCE, "Paris.", scope={"namespace": "geo"}, tags=["docs-v1", "geo"])
    await store(client, "How tall is Mount Everest?", "8,849 m", scope={"namespace": "geo"}, tags=["docs-v2"])
    await store(client, "Who wrote Hamlet?", "Shakespeare.", scope={"locale": "en"})
    page = await entries(client)
    assert page["total"] == 3 and prompts(page)[0] == "Who wrote Hamlet?" and page["next_cursor"] is None
    row = page["entries"][2]  # type: ignore[index]
    assert row["tags"] == ["docs-v1", "geo"] and row["ttl_s"] > 80_000 and row["response_preview"] == "Paris."
    assert prompts(await entries(client, sort="created_at"))[0] == FRANCE
    assert set(prompts(await entries(client, namespace="geo"))) == {FRANCE, "How tall is Mount Everest?"}
    assert prompts(await entries(client, tag="docs-v2")) == ["How tall is Mount Everest?"]
    assert prompts(await entries(client, tag=["docs-v1", "geo"])) == [FRANCE]
    assert prompts(await entries(client, q="capital fra")) == [FRANCE]  # the last word is a prefix
    assert prompts(await entries(client, q="what is")) == [FRANCE]  # no stop words dropped
    assert prompts(await entries(client, locale="en")) == ["Who wrote Hamlet?"]
    for _ in range(3):
        assert (
            await client.post("/cache/search", json={"prompt": "who WROTE hamlet?", "scope": {"locale": "en"}})
        ).json()["hit"]
    await client.post("/cache/search", json={"prompt": "Mount Everest: how tall is it?", "scope": {"namespace": "geo"}})
    await client.get("/cache/stats")  # waits for the hit counters
    by_hits = await entries(client, sort="-hits")
    assert prompts(by_hits)[0] == "Who wrote Hamlet?" and by_hits["entries"][0]["hits"] == 3  # type: ignore[index]
    assert by_hits["entries"][0]["last_similarity"] == pytest.approx(1.0)  # type: ignore[index]
    seen, cursor = [], None
    while True:
        page = await entries(client, limit=1, sort="-hits", **({"cursor": cursor} if cursor else {}))
        seen += prompts(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == prompts(by_hits)


@pytest.mark.parametrize(
    ("params", "status", "fragment"),
    [
        ({"sort": "popularity"}, 422, "sort"),
        ({"tag": "a} | @tenant:{*"}, 422, "tag"),
        ({"limit": 0}, 422, "limit"),
        ({"cursor": "not-a-cursor"}, 400, "cursor"),
        ({"created_after": "yesterday"}, 422, "created_after"),
        ({"created_before": "inf"}, 422, "created_before"),
        ({"created_after": "nan"}, 422, "created_after"),
        ({"q": "x" * 300}, 422, "q"),
    ],
)
async def test_bad_list_input_is_a_clear_4xx(
    client: httpx.AsyncClient, params: dict[str, object], status: int, fragment: str
) -> None:
    r = await client.get("/cache/entries", params=params)  # type: ignore[arg-type]
    assert r.status_code == status, r.text
    assert fragment in r.json()["error"]["message"]


async def test_hostile_text_queries_are_words_only(client: httpx.AsyncClient) -> None:
    await store(client, FRANCE, "Paris.")
    await store(client, "Où est le café?", "Ici.")
    assert prompts(await entries(client, q="café")) == ["Où est le café?"]
    for q in ("*", "@tenant:{x}", "a) | (b", '"', "-", "$BLOB", "~capital%%", "\\", "é\x00", "日本語"):
        r = await client.get("/cache/entries", params={"q": q})
        assert r.status_code == 200, (q, r.text)
    assert prompts(await entries(client, q="(capital)* | @")) == [FRANCE]


async def test_hostile_tags_are_refused_at_store(client: httpx.AsyncClient) -> None:
    for tag in ("a,b", "a} | @tenant:{*", "", " x", "ü" * 3, "x" * 65):
        r = await client.post("/cache/store", json={"prompt": FRANCE, "response": "x", "tags": [tag]})
        assert r.status_code == 422 and "tag" in r.json()["error"]["message"], tag
    r = await client.delete("/cache/clear", params={"tag": "a} | *"})
    assert r.status_code == 422
    assert (await entries(client))["total"] == 0


async def test_tenants_see_only_their_own_entries_admin_sees_all(tenants: httpx.AsyncClient) -> None:
    a = await store(tenants, FRANCE, "acme's Paris", headers=ACME)
    await store(tenants, FRANCE, "globex's Paris", headers=GLOBEX)
    assert [e["response_preview"] for e in (await entries(tenants, headers=ACME))["entries"]] == ["acme's Paris"]  # type: ignore[attr-defined]
    assert (await entries(tenants, headers=ADMIN))["total"] == 2
    assert (await entries(tenants, tenant="globex", headers=ADMIN))["total"] == 1
    r = await tenants.get("/cache/entries", params={"tenant": "globex"}, headers=ACME)
    assert r.status_code == 403
    assert (await tenants.get(f"/cache/entries/{a['id']}", headers=GLOBEX)).status_code == 404
    assert (await tenants.get(f"/cache/entries/{a['id']}", headers=ACME)).status_code == 200
    r = await tenants.post(f"/cache/entries/{a['id']}/probe", json={"prompt": FRANCE}, headers=GLOBEX)
    assert r.status_code == 404
    # A cursor is only good for the tenant (and query) it was issued to.
    await store(tenants, "Who wrote Hamlet?", "Shakespeare.", headers=GLOBEX)
    cursor = (await entries(tenants, limit=1, headers=GLOBEX))["next_cursor"]
    assert cursor
    r = await tenants.get("/cache/entries", params={"limit": 1, "cursor": str(cursor)}, headers=ACME)
    assert r.status_code == 400 and "another tenant" in r.json()["error"]["message"]
    r = await tenants.get("/cache/entries", params={"limit": 2, "cursor": str(cursor)}, headers=GLOBEX)
    assert r.status_code == 400 and "another query" in r.json()["error"]["message"]
    # Bumping a namespace's generation is tenant-scoped.
    r = await tenants.post("/cache/generations", json={"namespace": "", "tenant": "globex"}, headers=ACME)
    assert r.status_code == 403
    assert (await tenants.post("/cache/generations", json={"namespace": ""}, headers=ACME)).json()["generation"] == 1
    assert (await tenants.post("/cache/search", json={"prompt": FRANCE}, headers=GLOBEX)).json()["hit"]
    assert not (await tenants.post("/cache/search", json={"prompt": FRANCE}, headers=ACME)).json()["hit"]


async def test_detail_feedback_and_probe(client: httpx.AsyncClient) -> None:
    entry = await store(client, FRANCE, "Paris.", ttl=600, tags=["geo"])
    r = await client.post("/cache/feedback", json={"id": entry["id"], "correct": True})
    assert r.status_code == 200
    detail = (await client.get(f"/cache/entries/{entry['id']}")).json()
    assert detail["response"] == "Paris." and detail["ttl"] == 600 and 0 < detail["ttl_s"] <= 600
    assert detail["feedback"] == {"right": 1, "wrong": 0, "min_similarity": None} and detail["stale"] is False
    probe = (
        await client.post(f"/cache/entries/{entry['id']}/probe", json={"prompt": "What is France's capital?"})
    ).json()
    assert probe["would_hit"] and probe["source"] == "semantic" and probe["similarity"] > 0.9
    probe = (
        await client.post(f"/cache/entries/{entry['id']}/probe", json={"prompt": "what is the capital of france?"})
    ).json()
    assert probe["would_hit"] and probe["source"] == "exact"
    probe = (await client.post(f"/cache/entries/{entry['id']}/probe", json={"prompt": "How do I bake bread?"})).json()
    assert not probe["would_hit"] and not probe["within_threshold"] and "threshold" in probe["reason"]
    stats = (await client.get("/cache/stats")).json()
    assert (stats["hits"], stats["misses"]) == (0, 0)  # probing counts nothing, neither hit nor miss
    assert (await client.get("/cache/entries/nope-!")).status_code == 422
    assert (await client.get("/cache/entries/abc123")).status_code == 404


async def test_delete_by_tag_and_age(service_factory: ServiceFactory, redis_url: str) -> None:
    prefix = unique_prefix()
    server = service_factory(CACHE_PREFIX=prefix)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await store(client, FRANCE, "Paris.", tags=["docs-v1"])
        await store(client, "How tall is Mount Everest?", "8,849 m", tags=["docs-v1", "geo"])
        hamlet = await store(client, "Who wrote Hamlet?", "Shakespeare.", tags=["docs-v2"])
        assert (await client.delete("/cache/clear", params={"tag": "geo"})).json() == {"deleted": 1}
        assert (await client.delete("/cache/clear", params={"tag": "docs-v1"})).json() == {"deleted": 1}
        assert (await client.delete("/cache/clear", params={"older_than": 3600})).json() == {"deleted": 0}
        # Two hours old, as far as the index knows (no sleeping: the cut-off below is an hour).
        fingerprint = (await client.get("/cache/stats")).json()["embedder"]
        async with aioredis.Redis.from_url(redis_url) as redis:
            await redis.hset(f"{prefix}:cache:{slug(fingerprint)}:e:{hamlet['id']}", "created_at", time.time() - 7200)
        await store(client, "What is the capital of Spain?", "Madrid.")
        assert (await client.delete("/cache/clear", params={"older_than": 3600})).json() == {"deleted": 1}
        assert prompts(await entries(client)) == ["What is the capital of Spain?"]
        r = await client.delete("/cache/clear", params={"tag": "x", "pattern": "*"})
        assert r.status_code == 422


async def test_generation_bump_forgets_a_namespace_at_once(client: httpx.AsyncClient) -> None:
    docs = {"namespace": "docs"}
    old = await store(client, FRANCE, "Paris (old docs).", scope=docs)
    await store(client, FRANCE, "Paris (other ns).", scope={"namespace": "other"})
    assert (await client.post("/cache/search", json={"prompt": "What is France's capital?", "scope": docs})).json()[
        "hit"
    ]
    r = await client.post("/cache/generations", json={"namespace": "docs"})
    assert r.status_code == 200 and r.json() == {"tenant": "default", "namespace": "docs", "generation": 1}
    for prompt in (FRANCE, "What is France's capital?"):  # neither the exact nor the semantic path serves it
        assert not (await client.post("/cache/search", json={"prompt": prompt, "scope": docs})).json()["hit"]
    assert (await client.post("/cache/search", json={"prompt": FRANCE, "scope": {"namespace": "other"}})).json()["hit"]
    detail = (await client.get(f"/cache/entries/{old['id']}")).json()
    assert detail["stale"] and detail["generation"] == 0 and detail["current_generation"] == 1
    rows = {e["response_preview"]: e["stale"] for e in (await entries(client))["entries"]}  # type: ignore[attr-defined]
    assert rows == {"Paris (old docs).": True, "Paris (other ns).": False}
    await store(client, FRANCE, "Paris (new docs).", scope=docs)
    hit = (await client.post("/cache/search", json={"prompt": "What is France's capital?", "scope": docs})).json()
    assert hit["hit"] and hit["match"]["response"] == "Paris (new docs)."


async def _indexed(store: RedisStore) -> bool:
    return await store.index_percent() == 100.0


async def test_an_index_from_before_tags_is_recreated_over_the_same_entries(redis_url: str) -> None:
    """An index made by an older semcache (no tags/prompt fields) is re-created on start-up, keeping entries."""

    spec = IndexSpec(prefix=unique_prefix(), fingerprint="test-4", dims=4, scope_fields=("tenant",))
    args = spec.create_args()
    old = [*args[: args.index("STOPWORDS")], "SCHEMA", "tenant", "TAG", "CASESENSITIVE"]
    old += args[args.index("created_at") :]
    client = aioredis.Redis.from_url(redis_url, protocol=2)
    try:
        await client.execute_command(*old)  # type: ignore[no-untyped-call]
        store = RedisStore(client, spec)
        vector = np.asarray([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
        await store.put(
            "e1", NewEntry("Who wrote Hamlet?", "who wrote hamlet?", "Shakespeare.", {"tenant": "t"}), vector, ttl=60
        )
        assert await store.ensure_index() == "recreated"
        assert await store.ensure_index() == "exists"
        # Re-indexing runs in the background: wait until FT.INFO says the scan is done, then look once.
        await eventually(lambda: _indexed(store), what="the re-created index scanned the existing entries")
        total, page = await store.browse(
            entries_filter(scope={"tenant": "t"}, text="hamlet"), sort="-hits", offset=0, limit=5
        )
        assert total == 1 and page[0][0].prompt == "Who wrote Hamlet?" and 0 < (page[0][1] or 0) <= 60
    finally:
        await client.execute_command("FT.DROPINDEX", spec.name, "DD")  # type: ignore[no-untyped-call]
        await client.aclose()
