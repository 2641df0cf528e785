"""Probes and status. /health/live and /health/ready are for orchestrators (Container Apps, compose, Docker);
/health is the full status for an operator; /readiness checks every dependency, the LLM included.

The probes answer without a key; /health (the operator's detail) takes one once keys are set. /readiness
calls paid APIs (an embedding, the model list), so its result is reused for READINESS_TTL_S: any number of
callers, keyed or not, cost one round of checks per period.

Readiness stays green while Redis is down, loading or full: the service then answers from the LLM alone
(BYPASS), so taking replicas out of load balancing would only turn a degraded service into no service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from semcache.api.deps import KEY_REQUIRED, EmbedderDep, GateDep, LLMDep, RawStoreDep, StartedGateDep, TelemetryDep
from semcache.api.memo import Memo
from semcache.cache.availability import CacheGate, Loading
from semcache.cache.redis import RedisStore
from semcache.errors import CacheUnavailableError
from semcache.health import has_query_engine, memory_full, overall_status
from semcache.telemetry.hub import TelemetryHub

__all__ = ["READINESS_TTL_S", "RedisProbe", "index_error", "probe_redis", "quality_warnings", "reasons_for", "router"]

router = APIRouter(tags=["health"])
#: How long one round of /readiness checks is reused.
READINESS_TTL_S = 10.0

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


@router.get("/health", dependencies=[KEY_REQUIRED])
async def health(gate: GateDep, store: RawStoreDep, embedder: EmbedderDep, telemetry: TelemetryDep) -> JSONResponse:
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
        # Warnings only: a namespace serving too many wrong answers is the operator's call, not a restart.
        "quality_warnings": quality_warnings(telemetry),
    }
    return JSONResponse(body, status_code=200 if status == "ok" else 503)


def quality_warnings(telemetry: TelemetryHub) -> list[str]:
    """One line per tenant/namespace whose audited wrong rate may exceed CACHE_MAX_ERROR (docs/audits.md)."""
    bound = telemetry.quality.max_error if telemetry.quality is not None else None
    if bound is None:
        return []
    return [
        f"{key}: wrong-answer rate {r.estimate:.1%} (95% interval {r.low:.1%}-{r.high:.1%} over {r.judged} audits) "
        f"may exceed CACHE_MAX_ERROR {bound:.1%}"
        for key, r in sorted(telemetry.alerts.items())
    ]


Checks = dict[str, dict[str, object]]


async def readiness_memo(request: Request) -> Memo[Checks]:
    """One memo per app (tests run several in a process), made on first use."""
    memo: Memo[Checks] | None = getattr(request.app.state, "readiness_memo", None)
    if memo is None:
        memo = request.app.state.readiness_memo = Memo(READINESS_TTL_S)
    return memo


ReadinessMemoDep = Annotated[Memo[Checks], Depends(readiness_memo)]


@router.get("/readiness")
async def readiness(
    store: RawStoreDep, gate: GateDep, embedder: EmbedderDep, llm: LLMDep, memo: ReadinessMemoDep
) -> JSONResponse:
    """Every dependency, for a load balancer or an operator: Redis, the index, the embedder, the LLM. Redis
    and the index are asked on every call (it costs nothing); the embedder and the LLM, which may be paid
    APIs, once per READINESS_TTL_S while they answer."""
    checks = await run_checks({"redis": store.modules, "index": gate.ensure})
    paid = {"embedder": lambda: embedder.embed(["readiness probe"]), "llm": llm.ping}
    checks |= await memo.get(lambda: run_checks(paid), keep=all_ok)
    ok = all_ok(checks)
    body: dict[str, object] = {
        "status": "ready" if ok else "not_ready",
        "checks": checks,
        "llm": {"provider": llm.provider, "model": llm.model},
    }
    return JSONResponse(body, status_code=200 if ok else 503)


def all_ok(checks: Checks) -> bool:
    return all(c["ok"] for c in checks.values())


async def run_checks(probes: Mapping[str, Callable[[], Awaitable[object]]]) -> Checks:
    """Each probe in turn, with its time; a failure is reported and stops none of the others."""
    checks: Checks = {}
    for name, probe in probes.items():
        started = time.perf_counter()
        try:
            await asyncio.wait_for(probe(), timeout=5.0)
            checks[name] = {"ok": True}
        except Exception as e:  # each failure is reported, none stops the others
            message = getattr(e, "message", None) or type(e).__name__
            checks[name] = {"ok": False, "error": str(message)}
        checks[name]["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return checks
