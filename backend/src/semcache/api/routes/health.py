"""Probes and status. /health/live and /health/ready are for orchestrators (Container Apps, compose, Docker);
/health is the full status for an operator; /readiness checks every dependency, the LLM included.

Readiness stays green while Redis is down, loading or full: the service then answers from the LLM alone
(BYPASS), so taking replicas out of load balancing would only turn a degraded service into no service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from semcache.api.deps import ResourcesDep
from semcache.errors import CacheUnavailableError
from semcache.health import has_query_engine, memory_full, overall_status

router = APIRouter(tags=["health"])

NO_ENGINE = (
    "Redis has no query engine (FT.* commands fail): use Redis 8, Redis Stack or Azure Managed Redis with "
    "RediSearch; answers bypass the cache meanwhile"
)


@router.get("/health/live")
async def live() -> dict[str, str]:
    """200 while the process serves HTTP; nothing else is checked (a restart would not fix Redis)."""
    return {"status": "live"}


@router.get("/health/ready")
async def ready(request: Request) -> JSONResponse:
    """200 while the app can answer: once start-up is done, whatever the state of Redis. No I/O."""
    resources = getattr(request.app.state, "resources", None)
    if resources is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    gate = resources.gate
    cache = "full" if gate.full() and gate.state == "ok" else gate.state
    return JSONResponse({"status": "ready", "cache": cache})


@router.get("/health")
async def health(resources: ResourcesDep) -> JSONResponse:
    gate, store = resources.gate, resources.cache.store
    reasons: list[str] = []
    reachable = engine = index_ready = False
    memory: dict[str, int | str] | None = None
    try:
        await gate.ensure()
        index_ready = True
    except CacheUnavailableError as e:
        reasons.append(e.message)
    loading = gate.state == "loading"
    if not loading:
        try:
            ft_list = await store.ft_list()
            reachable = True
            engine = has_query_engine(ft_list, await store.modules() if ft_list is None else set())
            memory = await store.memory()
        except CacheUnavailableError as e:
            if not reasons:
                reasons.append(e.message)
    if reachable and not engine:
        reasons = [NO_ENGINE]
    full = gate.full() or (memory is not None and memory_full(memory))
    if full and index_ready:
        reasons.append(
            f"cache full: Redis refuses writes ({gate.refused_writes} stores refused); answers are served but "
            "not stored. Lower CACHE_TTL, give Redis more memory (a larger SKU), or clear old entries"
        )
    status = overall_status(
        reachable=reachable, loading=loading, query_engine=engine, index_ready=index_ready, full=full
    )
    progress = gate.loading if loading else None
    body = {
        "status": status,
        "redis": reachable or loading,
        "query_engine": engine,
        "search_module": engine,  # the name this field had before the query engine was detected by capability
        "index": store.spec.name if index_ready else None,
        "loading": None
        if progress is None
        else {"data_percent": progress.data_percent, "index_percent": progress.index_percent},
        "full": full,
        "refused_writes": gate.refused_writes,
        "memory": memory,
        "embedder": resources.embedder.fingerprint,
        "reasons": reasons,
    }
    return JSONResponse(body, status_code=200 if status == "ok" else 503)


@router.get("/readiness")
async def readiness(resources: ResourcesDep) -> JSONResponse:
    """Every dependency, for a load balancer or an operator: Redis, the index, the embedder, the LLM."""
    checks: dict[str, dict[str, object]] = {}

    async def check(name: str, probe: Callable[[], Awaitable[object]]) -> None:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(probe(), timeout=5.0)
            checks[name] = {"ok": True}
        except Exception as e:  # each failure is reported, none stops the others
            message = getattr(e, "message", None) or type(e).__name__
            checks[name] = {"ok": False, "error": str(message)}
        checks[name]["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)

    await check("redis", resources.cache.store.modules)
    await check("index", resources.gate.ensure)
    await check("embedder", lambda: resources.embedder.embed(["readiness probe"]))
    await check("llm", resources.service.llm.ping)
    ok = all(c["ok"] for c in checks.values())
    llm = resources.service.llm
    body = {
        "status": "ready" if ok else "not_ready",
        "checks": checks,
        "llm": {"provider": llm.provider, "model": llm.model},
    }
    return JSONResponse(body, status_code=200 if ok else 503)
