"""/telemetry/* (Redis Streams summaries), /metrics (the JSON the UI draws) and /metrics/prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from semcache.api.deps import KEY_REQUIRED, AdminDep, PrincipalDep, TelemetryDep
from semcache.auth import Principal
from semcache.errors import ForbiddenError
from semcache.schemas.telemetry import ClearTelemetryResponse, StreamInfo, TelemetrySummary
from semcache.telemetry import summary as pure
from semcache.telemetry.hub import TelemetryHub
from semcache.telemetry.quality import quality_report

__all__ = ["build_summary", "router"]

router = APIRouter(tags=["telemetry"])


def _tenant_for(principal: Principal, asked: str | None) -> str | None:
    """Admins see everything (or one tenant when asked); a tenant key sees its own figures only."""
    if principal.is_admin:
        return asked
    if asked not in (None, principal.tenant):
        raise ForbiddenError("a tenant key can only read its own telemetry")
    return principal.tenant


async def build_summary(telemetry: TelemetryHub, tenant: str | None, window: int | None) -> TelemetrySummary:
    streams = telemetry.require_streams()
    counters = await streams.counters(tenant)
    events = await streams.recent(window or streams.window_size, tenant)
    totals = pure.totals(counters)
    quality = None
    if telemetry.verdicts is not None and telemetry.quality is not None:
        if telemetry.thresholds is not None and telemetry.thresholds.stale():
            await telemetry.thresholds.refresh()
        quality = await quality_report(
            telemetry.verdicts, telemetry.quality, tenant=tenant, totals=totals, thresholds=telemetry.thresholds
        )
    return TelemetrySummary(
        all_time=totals, window=pure.window(events), series=pure.series(events), tenant=tenant, quality=quality
    )


@router.get("/telemetry/summary", response_model=TelemetrySummary)
async def summary(
    principal: PrincipalDep,
    telemetry: TelemetryDep,
    tenant: str | None = Query(default=None, max_length=64),
    window: int | None = Query(default=None, ge=1, le=100_000, description="recent events to use"),
) -> TelemetrySummary:
    return await build_summary(telemetry, _tenant_for(principal, tenant), window)


@router.get("/telemetry/stream-info", response_model=StreamInfo)
async def stream_info(principal: PrincipalDep, telemetry: TelemetryDep) -> StreamInfo:
    return StreamInfo(**(await telemetry.require_streams().stream_info()))


@router.delete("/telemetry/clear", response_model=ClearTelemetryResponse)
async def clear(admin: AdminDep, telemetry: TelemetryDep) -> ClearTelemetryResponse:
    if telemetry.streams is None:
        return ClearTelemetryResponse(deleted_keys=0)
    if telemetry.verdicts is not None:
        await telemetry.verdicts.clear()
    return ClearTelemetryResponse(deleted_keys=await telemetry.streams.clear())


@router.get("/metrics", response_model=TelemetrySummary)
async def metrics(principal: PrincipalDep, telemetry: TelemetryDep) -> TelemetrySummary:
    """The aggregated JSON the UI's metrics view draws (the caller's tenant, or all for an admin)."""
    return await build_summary(telemetry, _tenant_for(principal, None), None)


@router.get("/metrics/prometheus", dependencies=[KEY_REQUIRED])
async def prometheus(telemetry: TelemetryDep) -> Response:
    return Response(telemetry.prometheus.render(), media_type=CONTENT_TYPE_LATEST)
