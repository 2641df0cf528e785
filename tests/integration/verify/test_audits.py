"""Audits and miss comparisons through the real service, Redis, embedder and a loopback upstream: what the
caller gets never changes, an upstream failure is never judged or stored, each entry has a bounded number of
audits, verdicts stay in their tenant, and nothing runs with CACHE_AUDIT_RATE=0."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import ServiceFactory
from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE, FRANCE_PARAPHRASE, GROUPS
from tests.support.upstream import Upstream
from tests.support.wait import drained

STORED_ANSWER = "Paris is the capital of France."
FRESH_ANSWER = "The capital of France is Paris."


async def _hit(client: httpx.AsyncClient, server: LiveServer, prompt: str, **headers: str) -> httpx.Response:
    body = {"model": "m", "messages": [{"role": "user", "content": prompt}]}
    r = await client.post("/v1/chat/completions", json=body, headers=headers)
    await drained(server)
    return r


async def _quality(client: httpx.AsyncClient, **headers: str) -> dict[str, Any]:
    quality = (await client.get("/metrics", headers=headers)).json()["quality"]
    assert isinstance(quality, dict)
    return quality


async def test_an_audit_checks_a_hit_in_the_background_without_changing_it(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    upstream.state.answers[FRANCE] = STORED_ANSWER
    upstream.state.answers[FRANCE_PARAPHRASE] = FRESH_ANSWER
    server = service_factory(CACHE_AUDIT_RATE=1.0, CACHE_AUDIT_MAX_PER_ENTRY=1)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await _hit(client, server, FRANCE)
        calls = len(upstream.state.calls)
        for _ in range(2):
            r = await _hit(client, server, FRANCE_PARAPHRASE)
            assert r.headers["x-semcache-status"] == "HIT-SEMANTIC"
            assert r.json()["choices"][0]["message"]["content"] == STORED_ANSWER  # the hit, as stored
        assert len(upstream.state.calls) == calls + 1  # one audit: the entry's budget is 1
        quality = await _quality(client)
        assert quality["audits"] == 1 and quality["total"]["audit"] == {
            "judged": 1,
            "wrong": 0,
            "estimate": 0.0,
            "low": 0.0,
            "high": quality["total"]["audit"]["high"],
        }
        entry = (await client.get(f"/cache/entries/{r.headers['x-semcache-entry']}")).json()
        assert entry["feedback"]["right"] == 1  # the verdict reached the entry's own bound
        # The audit's fresh answer was only compared, never stored.
        assert (await client.get("/cache/entries")).json()["total"] == 1
        prometheus = (await client.get("/metrics/prometheus")).text
        assert 'semcache_verdicts_total{kind="audit",verdict="right"} 1.0' in prometheus


async def test_a_failed_or_refused_audit_is_neither_judged_nor_stored(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    server = service_factory(CACHE_AUDIT_RATE=1.0)
    stored, paraphrase = GROUPS[1].stored, GROUPS[1].paraphrases[0]
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await _hit(client, server, stored)
        upstream.state.answers[paraphrase] = "I'm sorry, but I can't help with that."
        assert (await _hit(client, server, paraphrase)).headers["x-semcache-status"] == "HIT-SEMANTIC"
        upstream.state.error_status = 500
        before = len(upstream.state.calls)
        r = await _hit(client, server, paraphrase)
        assert r.status_code == 200 and r.headers["x-semcache-status"] == "HIT-SEMANTIC"
        assert len(upstream.state.calls) == before + 1  # audited, and the upstream failed
        quality = await _quality(client)
        assert quality["audits"] == 0 and quality["total"].get("audit") is None
        entries = (await client.get("/cache/entries")).json()
        assert entries["total"] == 1  # nothing but the first answer was stored


async def test_verdicts_stay_in_their_tenant(service_factory: ServiceFactory, upstream: Upstream) -> None:
    server = service_factory(
        CACHE_AUDIT_RATE=1.0, SEMCACHE_API_KEYS="key-acme-0001=acme,key-globex-01=globex", SEMCACHE_ADMIN_KEY="adm-99"
    )
    acme, globex = {"authorization": "Bearer key-acme-0001"}, {"authorization": "Bearer key-globex-01"}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await _hit(client, server, FRANCE, **acme)
        await _hit(client, server, FRANCE_PARAPHRASE, **acme, **{"x-semcache-namespace": "geo"})
        assert (await _hit(client, server, FRANCE_PARAPHRASE, **globex)).headers["x-semcache-status"] == "MISS"
        mine, theirs = await _quality(client, **acme), await _quality(client, **globex)
        assert mine["audits"] == 0  # the hit was in namespace "geo", which held no entry: a miss
        await _hit(client, server, FRANCE_PARAPHRASE, **acme)
        mine, theirs = await _quality(client, **acme), await _quality(client, **globex)
        assert mine["audits"] == 1 and [n["namespace"] for n in mine["namespaces"]] == [""]
        assert theirs["audits"] == 0 and theirs["namespaces"] == []


async def test_no_audit_with_a_zero_rate(service_factory: ServiceFactory, upstream: Upstream) -> None:
    server = service_factory(CACHE_AUDIT_RATE=0)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await _hit(client, server, FRANCE)
        calls = len(upstream.state.calls)
        assert (await _hit(client, server, FRANCE_PARAPHRASE)).headers["x-semcache-status"] == "HIT-SEMANTIC"
        assert len(upstream.state.calls) == calls
        assert (await _quality(client))["audits"] == 0


async def test_a_refused_close_candidate_is_compared_on_the_miss_at_no_extra_call(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    near_miss = GROUPS[0].near_misses[0]  # "What is the capital of Germany?"
    upstream.state.answers[FRANCE] = STORED_ANSWER
    upstream.state.answers[near_miss] = "Berlin is the capital of Germany."
    server = service_factory(CACHE_AUDIT_RATE=0, SEMANTIC_SIMILARITY_THRESHOLD=0.6)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await _hit(client, server, FRANCE)
        r = await _hit(client, server, near_miss)
        assert r.headers["x-semcache-status"] == "MISS"
        assert len(upstream.state.calls) == 2  # the miss's own call, nothing more
        miss = (await _quality(client))["total"]["miss"]
        assert miss["judged"] == 1 and miss["wrong"] == 1


async def test_the_llm_judge_compares_the_two_answers_when_configured(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    upstream.state.answers[FRANCE] = STORED_ANSWER
    upstream.state.answers[FRANCE_PARAPHRASE] = "Lyon is the capital of France."

    def judge(prompt: str) -> str | None:
        if not prompt.startswith("Answer A:"):
            return None
        a, b = prompt.removeprefix("Answer A:\n").split("\n\nAnswer B:\n")
        return "SAME" if ("Paris" in a) == ("Paris" in b) else "DIFFERENT"

    upstream.state.answer_for = judge
    server = service_factory(CACHE_AUDIT_RATE=1.0, CACHE_AUDIT_JUDGE="llm")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await _hit(client, server, FRANCE)
        assert (await _hit(client, server, FRANCE_PARAPHRASE)).headers["x-semcache-status"] == "HIT-SEMANTIC"
        audit = (await _quality(client))["total"]["audit"]
    assert audit["judged"] == 1 and audit["wrong"] == 1
    judged = [c for c in upstream.state.calls if "compare two answers" in str(c["messages"])]
    assert len(judged) == 1 and not judged[0].get("stream")
