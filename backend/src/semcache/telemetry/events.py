"""Telemetry event model: one per column of every request (raw, cache, gateway)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Protocol

from semcache.result import ColumnResult, Path, Status


@dataclass(frozen=True)
class TelemetryEvent:
    path: Path
    status: Status
    tenant: str
    model: str
    source: str = ""
    similarity: float | None = None
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_saved: int = 0
    cost_usd: float = 0.0
    cost_saved_usd: float = 0.0
    error: str = ""
    ts: float = field(default=0.0)

    @classmethod
    def of(cls, result: ColumnResult, *, path: Path, tenant: str, ts: float) -> TelemetryEvent:
        """The event of one finished column: its result's shared fields, the error as its code."""
        shared = result.model_dump(include=_FROM_RESULT)
        shared["source"] = result.source or ""
        return cls(path=path, tenant=tenant, error=result.error.code if result.error else "", ts=ts, **shared)

    def fields(self) -> dict[str, str]:
        """Flat string fields for XADD."""
        return {k: "" if v is None else str(v) for k, v in asdict(self).items()}


class TelemetrySink(Protocol):
    async def record(self, event: TelemetryEvent) -> None:
        """Must never raise: telemetry failures never fail a request."""
        ...


_FROM_RESULT = {f.name for f in fields(TelemetryEvent)} - {"path", "tenant", "error", "ts"}
