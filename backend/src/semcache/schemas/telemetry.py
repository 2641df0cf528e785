"""Wire models of /telemetry/* (see docs/operations.md for the summary's shape)."""

from __future__ import annotations

from pydantic import BaseModel, JsonValue

__all__ = [
    "ClearTelemetryResponse",
    "LearnedThreshold",
    "NamespaceQuality",
    "Quality",
    "RateBody",
    "StreamInfo",
    "TelemetrySummary",
    "TracePoint",
    "WhatIfPoint",
]


class RateBody(BaseModel):
    """A wrong-answer rate: `wrong` of `judged`, the estimate and its 95% Wilson interval [low, high]."""

    judged: int
    wrong: int
    estimate: float
    low: float
    high: float


class NamespaceQuality(BaseModel):
    """The three sources, counted apart (docs/audits.md says what each one measures)."""

    namespace: str
    audit: RateBody | None = None
    miss: RateBody | None = None
    feedback: RateBody | None = None
    alert: bool = False  # the audited interval's upper end is above CACHE_MAX_ERROR


class LearnedThreshold(BaseModel):
    """A namespace's similarity threshold as its audits moved it, within the operator's limits."""

    tenant: str
    namespace: str
    similarity: float
    floor: float
    ceiling: float
    judged_since: int  # audits counted when it last moved: the next move needs evidence after these


class TracePoint(BaseModel):
    ts: float
    judged: int
    estimate: float
    low: float
    high: float


class WhatIfPoint(BaseModel):
    similarity: float
    hit_rate: float
    wrong_rate: float
    wrong_high: float
    net_saved_usd: float


class Quality(BaseModel):
    """The live wrong-answer rate: from audits (a uniform sample of semantic hits), miss comparisons and
    client feedback; its trace over time; and what other cut-offs would have done (docs/audits.md)."""

    audit_rate: float
    max_error: float | None
    similarity_threshold: float
    audits: int
    audit_tokens: int
    audit_cost_usd: float
    total: NamespaceQuality
    namespaces: list[NamespaceQuality]
    trace: list[TracePoint]
    what_if: list[WhatIfPoint]
    #: Learned per-namespace thresholds (CACHE_LEARN_SIMILARITY_MIN/MAX); empty when learning is off.
    learned: list[LearnedThreshold] = []


class TelemetrySummary(BaseModel):
    all_time: dict[str, float | int]
    window: dict[str, JsonValue]
    series: list[dict[str, JsonValue]]
    tenant: str | None
    quality: Quality | None = None


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
