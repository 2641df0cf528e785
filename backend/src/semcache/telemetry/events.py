"""Telemetry event model: one per column of every request (raw, cache, gateway)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

Path = Literal["raw", "cache", "gateway"]
Status = Literal["ok", "hit", "miss", "bypass", "error"]


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

    def fields(self) -> dict[str, str]:
        """Flat string fields for XADD."""
        return {k: "" if v is None else str(v) for k, v in asdict(self).items()}


class TelemetrySink(Protocol):
    async def record(self, event: TelemetryEvent) -> None:
        """Must never raise: telemetry failures never fail a request."""
        ...
