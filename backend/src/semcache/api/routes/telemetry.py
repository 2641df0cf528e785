"""/telemetry/* (Redis Streams summaries), /metrics (the JSON the UI draws) and /metrics/prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError

from semcache.api.deps import AdminDep, PrincipalDep, ResourcesDep
from semcache.auth import Principal
from semcache.errors import CacheUnavailableError, ForbiddenError
from semcache.runtime import Resources
from semcache.schemas.telemetry import ClearTelemetryResponse, StreamInfo, TelemetrySummary
from semcache.telemetry import summary as pure

router = APIRouter(tags=["telemetry"])


def _tenant_for(principal: Principal, asked: str | None) -> str | None:
    """Admins see everything (or one tenant when asked); a tenant key sees its own figures only."""
    if principal.is_admin:
        return asked
    if asked not in (None, principal.tenant):
        raise ForbiddenError("a tenant key can only read its own telemetry")
    return principal.tenant


async def build_summary(resources: Resources, tenant: str | None, window: int | None) -> TelemetrySummary:
    streams = resources.telemetry.streams
    if streams is None:
        raise CacheUnavailableError("telemetry is disabled (TELEMETRY_ENABLED=false)")
    try:
        counters = await streams.counters(tenant)
        events = await streams.recent(window or streams.window_size, tenant)
    except RedisError as e:
        raise CacheUnavailableError(f"telemetry unavailable: {type(e).__name__}") from e
    return TelemetrySummary(
        all_time=pure.totals(counters), window=pure.window(events), series=pure.series(events), tenant=tenant
    )


@router.get("/telemetry/summary", response_model=TelemetrySummary)
async def summary(
    principal: PrincipalDep,
    resources: ResourcesDep,
    tenant: str | None = Query(default=None, max_length=64),
    window: int | None = Query(default=None, ge=1, le=100_000, description="recent events to use"),
) -> TelemetrySummary:
    return await build_summary(resources, _tenant_for(principal, tenant), window)


@router.get("/telemetry/stream-info", response_model=StreamInfo)
async def stream_info(principal: PrincipalDep, resources: ResourcesDep) -> StreamInfo:
    streams = resources.telemetry.streams
    if streams is None:
        raise CacheUnavailableError("telemetry is disabled (TELEMETRY_ENABLED=false)")
    return StreamInfo(**(await streams.stream_info()))


@router.delete("/telemetry/clear", response_model=ClearTelemetryResponse)
async def clear(admin: AdminDep, resources: ResourcesDep) -> ClearTelemetryResponse:
    streams = resources.telemetry.streams
    if streams is None:
        return ClearTelemetryResponse(deleted_keys=0)
    try:
        return ClearTelemetryResponse(deleted_keys=await streams.clear())
    except RedisError as e:
        raise CacheUnavailableError(f"telemetry unavailable: {type(e).__name__}") from e


@router.get("/metrics", response_model=TelemetrySummary)
async def metrics(principal: PrincipalDep, resources: ResourcesDep) -> TelemetrySummary:
    """The aggregated JSON the UI's metrics view draws (the caller's tenant, or all for an admin)."""
    return await build_summary(resources, _tenant_for(principal, None), None)


@router.get("/metrics/prometheus")
async def prometheus(resources: ResourcesDep) -> Response:
    return Response(resources.telemetry.prometheus.render(), media_type=CONTENT_TYPE_LATEST)
