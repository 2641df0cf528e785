"""Telemetry event model: one per column of every request (raw, cache, gateway)."""

from __future__ import annotations

from typing import Protocol

from pydantic import ConfigDict

from semcache.result import ColumnResult, Measures, Path

__all__ = ["TelemetryEvent", "TelemetrySink"]


class TelemetryEvent(Measures):
    """One per column of every request; the shared measures are the result's own (result.Measures)."""

    model_config = ConfigDict(frozen=True)

    path: Path
    tenant: str
    source: str = ""
    error: str = ""
    ts: float = 0.0

    @classmethod
    def of(cls, result: ColumnResult, *, path: Path, tenant: str, ts: float) -> TelemetryEvent:
        """The event of one finished column: its measures, the error as its code."""
        measures = result.model_dump(include=set(Measures.model_fields))
        error = result.error.code if result.error else ""
        return cls(path=path, tenant=tenant, source=result.source or "", error=error, ts=ts, **measures)

    def fields(self) -> dict[str, str]:
        """Flat string fields for XADD."""
        return {k: "" if v is None else str(v) for k, v in self.model_dump().items()}


class TelemetrySink(Protocol):
    async def record(self, event: TelemetryEvent) -> None:
        """Must never raise: telemetry failures never fail a request."""
        ...
