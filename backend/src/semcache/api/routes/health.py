"""Probes and status. /health/live and /health/ready are for orchestrators (Container Apps, compose, Docker);
/health is the full status for an operator; /readiness checks every dependency, the LLM included.

Readiness stays green while Redis is down, loading or full: the service then answers from the LLM alone
(BYPASS), so taking replicas out of load balancing would only turn a degraded service into no service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from semcache.api.deps import EmbedderDep, GateDep, LLMDep, RawStoreDep, StartedGateDep
from semcache.cache.availability import CacheGate, Loading
from semcache.cache.redis import RedisStore
from semcache.errors import CacheUnavailableError
from semcache.health import has_query_engine, memory_full, overall_status

__all__ = ["RedisProbe", "index_error", "probe_redis", "reasons_for", "router"]

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
async def ready(gate: StartedGateDep) -> JSONResponse:
    """200 while the app can answer: once start-up is done, whatever the state of Redis. No I/O."""
    if gate is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    cache = "full" if gate.full() and gate.state == "ok" else gate.state
    return JSONResponse({"status": "ready", "cache": cache})


@dataclass
class RedisProbe:
    """What /health learnt from Redis itself, whatever answered before a failure."""

    reachable: bool = False
    engine: bool = False
    memory: dict[str, int | str] | None = None
    error: str | None = None


async def index_error(gate: CacheGate) -> str | None:
    """Why the index cannot be used (None: it can)."""
    try:
        await gate.ensure()
    except CacheUnavailableError as e:
        return e.message
    return None


async def probe_redis(store: RedisStore) -> RedisProbe:
    """FT._LIST (the module list when an ACL forbids it) and INFO memory, straight to Redis: not through the
    gate, which may have given up on it."""
    probe = RedisProbe()
    try:
        ft_list = await store.ft_list()
        probe.reachable = True
        probe.engine = has_query_engine(ft_list, await store.modules() if ft_list is None else set())
        probe.memory = await store.memory()
    except CacheUnavailableError as e:
        probe.error = e.message
    return probe


def reasons_for(index_error: str | None, probe: RedisProbe, *, full: bool, refused_writes: int) -> list[str]:
    """The operator's reasons, most telling first: no query engine outranks any error it causes."""
    reasons = [index_error] if index_error is not None else []
    if probe.error is not None and not reasons:
        reasons.append(probe.error)
    if probe.reachable and not probe.engine:
        reasons = [NO_ENGINE]
    if full and index_error is None:
        reasons.append(
            f"cache full: Redis refuses writes ({refused_writes} stores refused); answers are served but "
            "not stored. Lower CACHE_TTL, give Redis more memory (a larger SKU), or clear old entries"
        )
    return reasons


def loading_body(progress: Loading | None) -> dict[str, float | None] | None:
    if progress is None:
        return None
    return {"data_percent": progress.data_percent, "index_percent": progress.index_percent}


@router.get("/health")
async def health(gate: GateDep, store: RawStoreDep, embedder: EmbedderDep) -> JSONResponse:
    broken_index = await index_error(gate)
    index_ready = broken_index is None
    loading = gate.state == "loading"
    probe = RedisProbe() if loading else await probe_redis(store)
    full = gate.full() or (probe.memory is not None and memory_full(probe.memory))
    reasons = reasons_for(broken_index, probe, full=full, refused_writes=gate.refused_writes)
    status = overall_status(
        reachable=probe.reachable, loading=loading, query_engine=probe.engine, index_ready=index_ready, full=full
    )
    body = {
        "status": status,
        "redis": probe.reachable or loading,
        "query_engine": probe.engine,
        "search_module": probe.engine,  # the name this field had before the query engine was detected by capability
        "index": store.spec.name if index_ready else None,
        "loading": loading_body(gate.loading if loading else None),
        "full": full,
        "refused_writes": gate.refused_writes,
        "memory": probe.memory,
        "embedder": embedder.fingerprint,
        "reasons": reasons,
    }
    return JSONResponse(body, status_code=200 if status == "ok" else 503)


@router.get("/readiness")
async def readiness(store: RawStoreDep, gate: GateDep, embedder: EmbedderDep, llm: LLMDep) -> JSONResponse:
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

    await check("redis", store.modules)
    await check("index", gate.ensure)
    await check("embedder", lambda: embedder.embed(["readiness probe"]))
    await check("llm", llm.ping)
    ok = all(c["ok"] for c in checks.values())
    body = {
        "status": "ready" if ok else "not_ready",
        "checks": checks,
        "llm": {"provider": llm.provider, "model": llm.model},
    }
    return JSONResponse(body, status_code=200 if ok else 503)
