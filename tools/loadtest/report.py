"""Pure: load-test samples -> per-phase figures -> the Markdown of docs/reliability.md."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sample:
    at_s: float  # seconds since the load started, when the request was sent
    latency_ms: float
    status: int  # HTTP status; 0 when the connection itself failed
    cache: str  # x-semcache-status: HIT-EXACT, HIT-SEMANTIC, MISS, BYPASS, ERROR, or ""
    intent: str  # "hit" (a prompt stored before the load) or "miss" (a fresh prompt)


@dataclass(frozen=True)
class Timeline:
    duration_s: float
    killed_at_s: float
    restarted_at_s: float
    recovered_at_s: float | None  # first cache hit after the restart


@dataclass(frozen=True)
class Survival:
    stored_before: int  # cache entries in Redis at the moment it was killed
    served_after: int  # of those, answered from the cache (HIT) after the restart
    missing: list[str] = field(default_factory=list)  # prompts that were not (at most a few shown)


@dataclass(frozen=True)
class Phase:
    name: str
    requests: int
    errors_5xx: int
    errors_other: int
    p50_ms: float
    p99_ms: float
    hits: int
    bypass: int
    hit_p50_ms: float  # latency of the requests answered from the cache


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def phase(name: str, samples: list[Sample]) -> Phase:
    latencies = [s.latency_ms for s in samples]
    return Phase(
        name=name,
        requests=len(samples),
        errors_5xx=sum(1 for s in samples if s.status >= 500 or s.status == 0),
        errors_other=sum(1 for s in samples if 300 <= s.status < 500),
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        hits=sum(1 for s in samples if s.cache.startswith("HIT")),
        bypass=sum(1 for s in samples if s.cache == "BYPASS"),
        hit_p50_ms=percentile([s.latency_ms for s in samples if s.cache.startswith("HIT")], 50),
    )


def phases(samples: list[Sample], timeline: Timeline) -> list[Phase]:
    """before the kill, during the outage (kill to restart), after the restart, and the whole run."""
    before = [s for s in samples if s.at_s < timeline.killed_at_s]
    during = [s for s in samples if timeline.killed_at_s <= s.at_s < timeline.restarted_at_s]
    after = [s for s in samples if s.at_s >= timeline.restarted_at_s]
    return [phase("before", before), phase("during", during), phase("after", after), phase("all", samples)]


def passed(figures: list[Phase], survival: Survival) -> bool:
    return all(p.errors_5xx == 0 for p in figures) and survival.served_after == survival.stored_before


def render(figures: list[Phase], timeline: Timeline, survival: Survival, *, command: str, setup: dict[str, str]) -> str:
    total = next(p for p in figures if p.name == "all")
    recovered = (
        f"{timeline.recovered_at_s - timeline.restarted_at_s:.1f} s after the restart"
        if timeline.recovered_at_s is not None
        else "not within the run"
    )
    lines = [
        "# Reliability: load with Redis killed mid-run",
        "",
        f"Written by `{command}` (tools/loadtest). Loopback only: the service, its embedded Redis and a",
        "scripted OpenAI-compatible upstream all run on 127.0.0.1; Redis is SIGKILLed in the middle of the",
        "load and started again on the same port and AOF data directory; the service is never restarted.",
        "",
        "## Result",
        "",
        f"- **Requests served:** {total.requests - total.errors_5xx} of {total.requests}"
        f" ({total.requests / timeline.duration_s:.1f}/s over {timeline.duration_s:.0f} s)",
        f"- **5xx (or failed connections):** {total.errors_5xx}; other non-2xx: {total.errors_other}",
        f"- **p99 latency:** {_phase(figures, 'during').p99_ms:.0f} ms during the outage,"
        f" {_phase(figures, 'after').p99_ms:.0f} ms after the restart"
        f" (before: {_phase(figures, 'before').p99_ms:.0f} ms)",
        f"- **Entries stored before the fault and served after it:** {survival.served_after} of"
        f" {survival.stored_before}",
        f"- **Redis:** killed at {timeline.killed_at_s:.1f} s, restarted at {timeline.restarted_at_s:.1f} s;"
        f" cache hits again {recovered}",
        f"- **Verdict:** {'PASS' if passed(figures, survival) else 'FAIL'} (target: 0 5xx, every entry kept)",
        "",
        "## By phase",
        "",
        "Requests by the time they were sent: *before* the kill; *during*, from the kill until the restarted",
        "Redis had replayed its AOF and answered (a request sent in the last moments may already hit);",
        "*after* the restart. p50/p99 are end-to-end latencies seen by the callers, hits included.",
        "",
        "| phase | requests | 5xx | other errors | hits | bypass | p50 ms | p99 ms | hit p50 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in figures:
        lines.append(
            f"| {p.name} | {p.requests} | {p.errors_5xx} | {p.errors_other} | {p.hits} | {p.bypass}"
            f" | {p.p50_ms:.1f} | {p.p99_ms:.1f} | {p.hit_p50_ms:.1f} |"
        )
    lines += ["", "## Setup", ""]
    lines += [f"- {k}: {v}" for k, v in setup.items()]
    if survival.missing:
        lines += ["", "## Entries lost", ""] + [f"- `{p}`" for p in survival.missing[:20]]
    lines += [
        "",
        "During the outage every request is answered from the upstream with `x-semcache-status: BYPASS`;",
        "the hits after the restart are entries that were written before the crash (AOF, appendfsync",
        "everysec: an acknowledged write is in the kernel before the reply, so killing Redis loses none).",
        "",
    ]
    return "\n".join(lines)


def _phase(figures: list[Phase], name: str) -> Phase:
    return next(p for p in figures if p.name == name)


def cache_mix(samples: list[Sample]) -> dict[str, int]:
    return dict(Counter(s.cache or str(s.status) for s in samples))
