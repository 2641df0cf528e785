"""/health: cheap liveness with the state of Redis, its modules and the index."""

from __future__ import annotations

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
