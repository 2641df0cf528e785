"""Pure: summaries from counters and a window of recent events (percentiles, hit rate, savings)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from semcache.telemetry.events import TelemetryEvent

__all__ = ["percentile", "series", "totals", "window"]

CACHE_PATHS = ("cache", "gateway")
LATENCY_GROUPS = ("raw", "cache_hit", "cache_miss", "gateway")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def group_of(event: TelemetryEvent) -> str:
    if event.path == "cache":
        return "cache_hit" if event.status == "hit" else "cache_miss"
    return event.path


def _dist(values: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 50), 3), "p95": round(percentile(values, 95), 3), "count": len(values)}


def totals(counters: Mapping[str, float]) -> dict[str, float | int]:
    """All-time figures from the counters HASH (see streams.py for the field names)."""

    def get(name: str) -> float:
        return float(counters.get(name, 0.0))

    hits = sum(get(f"{p}:hit") for p in CACHE_PATHS)
    misses = sum(get(f"{p}:miss") for p in CACHE_PATHS)
    cost, saved = get("cost_usd"), get("cost_saved_usd")
    return {
        "requests": int(sum(get(f"{p}:requests") for p in CACHE_PATHS)),
        "raw_requests": int(get("raw:requests")),
        "hits": int(hits),
        "exact_hits": int(get("hits:exact")),
        "semantic_hits": int(get("hits:semantic")),
        "misses": int(misses),
        "bypass": int(sum(get(f"{p}:bypass") for p in CACHE_PATHS)),
        "errors": int(sum(get(f"{p}:error") for p in (*CACHE_PATHS, "raw"))),
        "hit_rate": round(hits / (hits + misses), 4) if hits + misses else 0.0,
        "llm_prompt_tokens": int(get("llm_prompt_tokens")),
        "llm_completion_tokens": int(get("llm_completion_tokens")),
        "tokens_saved": int(get("tokens_saved")),
        "cost_usd": round(cost, 8),
        "cost_saved_usd": round(saved, 8),
        "cost_without_cache_usd": round(cost + saved, 8),
    }


def window(events: Sequence[TelemetryEvent]) -> dict[str, object]:
    """Figures over the recent window (events oldest first)."""
    cache = [e for e in events if e.path in CACHE_PATHS]
    hits = [e for e in cache if e.status == "hit"]
    looked_up = [e for e in cache if e.status in ("hit", "miss")]
    latency: dict[str, list[float]] = {g: [] for g in LATENCY_GROUPS}
    ttft: dict[str, list[float]] = {g: [] for g in LATENCY_GROUPS}
    for e in events:
        if e.status == "error":
            continue
        latency[group_of(e)].append(e.latency_ms)
        if e.ttft_ms is not None:
            ttft[group_of(e)].append(e.ttft_ms)
    return {
        "size": len(events),
        "requests": len(cache),
        "hits": len(hits),
        "hit_rate": round(len(hits) / len(looked_up), 4) if looked_up else 0.0,
        "tokens_saved": sum(e.tokens_saved for e in cache),
        "cost_saved_usd": round(sum(e.cost_saved_usd for e in cache), 8),
        "latency_ms": {g: _dist(v) for g, v in latency.items()},
        "ttft_ms": {g: _dist(v) for g, v in ttft.items()},
    }


def series(events: Sequence[TelemetryEvent]) -> list[dict[str, object]]:
    return [
        {
            "ts": e.ts,
            "path": e.path,
            "status": e.status,
            "latency_ms": round(e.latency_ms, 3),
            "cost_usd": e.cost_usd,
            "cost_saved_usd": e.cost_saved_usd,
            "tokens_saved": e.tokens_saved,
        }
        for e in events
    ]
