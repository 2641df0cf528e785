"""With keys set, nothing that costs money answers for free (issue 30).

Every route of the app is called without a key against a service whose LLM and embedder are the loopback
Azure OpenAI (paid APIs in the real deployment). Only the probes may answer; every other route, the operator's
/health detail, /metrics/prometheus and /calculator/* included, is a 401. /readiness checks the paid
dependencies, so any number of calls cost at most one round of checks per period."""

from __future__ import annotations

import re

import httpx
from fastapi.routing import APIRoute

from semcache.api.routes.health import READINESS_TTL_S
from semcache.main import ROUTERS
from tests.integration.azure.azure_openai import AzureOpenAIServer
from tests.integration.azure.conftest import GPT5, AzureServiceFactory

KEYS = {"SEMCACHE_API_KEYS": "sk-open-paths-1234=acme", "SEMCACHE_ADMIN_KEY": "admin-open-paths-5678"}
#: What an orchestrator calls without a key: they answer, and none of them may spend per call.
PROBES = {"/health/live", "/health/ready", "/readiness"}


def _routes() -> list[APIRoute]:
    """Every API route the app serves (main.ROUTERS is what create_app includes, unprefixed)."""
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def _calls() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for route in _routes():
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        out.extend((method, path) for method in sorted(route.methods or ()))
    return out


def _is_page(path: str) -> bool:
    """The HTML shells of the UI (not in the API schema): they cost nothing and ask the browser for a key."""
    return any(r.path == path and not r.include_in_schema and "GET" in (r.methods or ()) for r in _routes())


async def test_no_route_but_the_probes_answers_without_a_key(
    azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer
) -> None:
    service = azure_service(AZURE_OPENAI_GPT5_MODEL=GPT5, LLM_REASONING_EFFORT="low", **KEYS)
    calls = _calls()
    assert ("GET", "/metrics/prometheus") in calls and ("POST", "/calculator/estimate") in calls
    open_paths = []
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        for method, path in calls:
            r = await c.request(method, path, json={} if method in ("POST", "PUT", "PATCH") else None)
            if r.status_code != 401 and path not in PROBES and not _is_page(path):
                open_paths.append(f"{method} {path} -> {r.status_code}")
            if r.status_code == 401:
                assert r.headers["content-type"].startswith("application/json"), (method, path)
    assert open_paths == []


async def test_readiness_spends_one_round_of_checks_per_period(
    azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer
) -> None:
    service = azure_service(AZURE_OPENAI_GPT5_MODEL=GPT5, **KEYS)
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        before = len(azure_server.state.auth)  # every call the loopback served: embeddings, chat, model list
        answers = [await c.get("/readiness") for _ in range(25)]
        spent = len(azure_server.state.auth) - before
    assert {r.status_code for r in answers} == {200}, answers[0].text
    assert answers[0].json()["checks"]["embedder"]["ok"] is True
    # One embedding and one model list, not 25 of each (READINESS_TTL_S outlasts this loop by far).
    assert spent <= 2, spent
    assert READINESS_TTL_S >= 5


async def test_keys_open_what_they_should(azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer) -> None:
    service = azure_service(AZURE_OPENAI_GPT5_MODEL=GPT5, **KEYS)
    tenant = {"Authorization": "Bearer " + KEYS["SEMCACHE_API_KEYS"].split("=")[0]}
    admin = {"Authorization": "Bearer " + KEYS["SEMCACHE_ADMIN_KEY"]}
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        assert (await c.get("/calculator/skus", headers=tenant)).status_code == 200
        assert (await c.get("/metrics/prometheus", headers=admin)).status_code == 200
        assert (await c.get("/health", headers=tenant)).status_code in (200, 503)
        assert (await c.get("/health/ready")).status_code == 200
