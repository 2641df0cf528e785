"""/health: cheap liveness with the state of Redis, its modules and the index."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from semcache.api.deps import ResourcesDep
from semcache.errors import CacheUnavailableError

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(resources: ResourcesDep) -> JSONResponse:
    reasons: list[str] = []
    redis_ok = modules_ok = index_ok = False
    try:
        modules = await resources.cache.store.modules()
        redis_ok = True
        modules_ok = "search" in modules
        if not modules_ok:
            reasons.append("Redis has no search module (FT.*): use Redis 8, Redis Stack or Azure Managed Redis")
        else:
            await resources.gate.ensure()
            index_ok = True
    except CacheUnavailableError as e:
        reasons.append(e.message)
    ok = redis_ok and modules_ok and index_ok
    body = {
        "status": "ok" if ok else "degraded",
        "redis": redis_ok,
        "search_module": modules_ok,
        "index": resources.cache.store.spec.name if index_ok else None,
        "embedder": resources.embedder.fingerprint,
        "reasons": reasons,
    }
    return JSONResponse(body, status_code=200 if ok else 503)


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
