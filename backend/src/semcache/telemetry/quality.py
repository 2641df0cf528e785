"""The `quality` part of /metrics and /telemetry/summary: the live wrong-answer rate per namespace and in
total, its trace over the recent audits, and the what-if curve, read from the verdicts in Redis
(`verdicts.py`) and computed by the pure `errorrate.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from semcache.schemas.telemetry import LearnedThreshold, NamespaceQuality, Quality, RateBody, TracePoint, WhatIfPoint
from semcache.telemetry.errorrate import Kind, Rate, Sample, rates, trace, what_if
from semcache.telemetry.verdicts import RedisVerdicts
from semcache.verify.learning import Thresholds

__all__ = ["QualityConfig", "quality_report"]

#: How many recent audits the trace and the what-if sample are drawn from (the page polls this every few
#: seconds: a tenant's read scans ten times as many).
RECENT = 1_000


@dataclass(frozen=True)
class QualityConfig:
    """What the report states beside the figures (set once from the settings at start-up)."""

    audit_rate: float
    max_error: float | None
    similarity_threshold: float


def _body(r: Rate | None) -> RateBody | None:
    return None if r is None else RateBody(**asdict(r))


def _namespace(name: str, by_kind: Mapping[Kind, Rate], max_error: float | None) -> NamespaceQuality:
    audit = by_kind.get("audit")
    return NamespaceQuality(
        namespace=name,
        audit=_body(audit),
        miss=_body(by_kind.get("miss")),
        feedback=_body(by_kind.get("feedback")),
        alert=audit is not None and audit.above(max_error),
    )


def _cutoffs(lowest: float) -> list[float]:
    """From the served threshold up to 1.0 in steps of 0.01."""
    start = round(lowest, 2)
    return [round(start + i / 100, 2) for i in range(round((1.0 - start) * 100) + 1)]


def _learned(thresholds: Thresholds | None, tenant: str | None) -> list[LearnedThreshold]:
    if thresholds is None:
        return []
    limits = thresholds.limits
    return [
        LearnedThreshold(
            tenant=t,
            namespace=ns,
            similarity=limits.clamp(state.similarity),
            floor=limits.floor,
            ceiling=limits.ceiling,
            judged_since=state.judged,
        )
        for (t, ns), state in sorted(thresholds.known(tenant).items())
    ]


async def quality_report(
    verdicts: RedisVerdicts,
    config: QualityConfig,
    *,
    tenant: str | None,
    totals: Mapping[str, float | int],
    thresholds: Thresholds | None = None,
) -> Quality:
    counts = await verdicts.counters(tenant)
    by_ns = rates(counts)
    recent = [v for v in await verdicts.recent(RECENT, tenant) if v.kind == "audit"]
    audits = int(counts.get("audit:calls", 0))
    cost = float(counts.get("audit:cost_usd", 0.0))
    hits = float(totals.get("hits", 0))
    saved_per_hit = float(totals.get("cost_saved_usd", 0.0)) / hits if hits else 0.0
    samples = [Sample(v.similarity, not v.correct) for v in recent if v.similarity is not None]
    curve = what_if(
        samples,
        looked_up=int(totals.get("hits", 0)) + int(totals.get("misses", 0)),
        exact_hits=int(totals.get("exact_hits", 0)),
        semantic_hits=int(totals.get("semantic_hits", 0)),
        saved_per_hit=saved_per_hit,
        audit_cost_per_hit=cost / audits if audits else 0.0,
        audit_rate=config.audit_rate,
        cutoffs=_cutoffs(config.similarity_threshold) if samples else [],
    )
    return Quality(
        audit_rate=config.audit_rate,
        max_error=config.max_error,
        similarity_threshold=config.similarity_threshold,
        audits=audits,
        audit_tokens=int(counts.get("audit:tokens", 0)),
        audit_cost_usd=round(cost, 8),
        total=_namespace("*", by_ns.get("*", {}), config.max_error),
        namespaces=[_namespace(ns, k, config.max_error) for ns, k in sorted(by_ns.items()) if ns != "*"],
        trace=[TracePoint(**asdict(p)) for p in trace([(v.ts, not v.correct) for v in recent])],
        what_if=[WhatIfPoint(**asdict(w)) for w in curve],
        learned=_learned(thresholds, tenant),
    )
