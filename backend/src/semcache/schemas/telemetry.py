"""Wire models of /telemetry/* (see docs/operations.md for the summary's shape)."""

from __future__ import annotations

from pydantic import BaseModel, JsonValue

__all__ = ["ClearTelemetryResponse", "StreamInfo", "TelemetrySummary"]


class TelemetrySummary(BaseModel):
    all_time: dict[str, float | int]
    window: dict[str, JsonValue]
    series: list[dict[str, JsonValue]]
    tenant: str | None


class StreamInfo(BaseModel):
    stream: str
    length: int
    maxlen_approx: int
    first_id: str | None
    last_id: str | None
    window: int
    dropped_events: int


class ClearTelemetryResponse(BaseModel):
    deleted_keys: int
