"""Prometheus exposition (per replica, as Prometheus expects): counters and histograms with
low-cardinality labels only (path, status, source; never tenant or model names)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from semcache.telemetry.errorrate import rate
from semcache.telemetry.events import TelemetryEvent
from semcache.telemetry.verdicts import Verdict

__all__ = ["PromMetrics"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class PromMetrics:
    def __init__(self) -> None:
        # One registry per app: several apps (tests, replicas in one process) must not share counters.
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "semcache_requests", "Requests per path and outcome", ["path", "status"], registry=self.registry
        )
        self.hits = Counter("semcache_cache_hits", "Cache hits by source", ["source"], registry=self.registry)
        self.tokens_saved = Counter(
            "semcache_tokens_saved", "LLM tokens not spent thanks to the cache", registry=self.registry
        )
        self.cost_saved = Counter(
            "semcache_cost_saved_usd", "Estimated USD not spent thanks to the cache", registry=self.registry
        )
        self.llm_tokens = Counter(
            "semcache_llm_tokens", "LLM tokens spent on the cache path", ["kind"], registry=self.registry
        )
        self.writes_refused = Counter(
            "semcache_cache_writes_refused",
            "Answers Redis refused to store (reason: full = OOM, maxmemory reached with noeviction)",
            ["reason"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "semcache_request_latency_seconds",
            "Time to the last byte",
            ["path", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ttft = Histogram(
            "semcache_time_to_first_token_seconds",
            "Time to the first content",
            ["path", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

        self.verdicts = Counter(
            "semcache_verdicts",
            "Judged answers by source (audit, miss, feedback) and verdict (right, wrong)",
            ["kind", "verdict"],
            registry=self.registry,
        )
        self.audit_cost = Counter(
            "semcache_audit_cost_usd", "Estimated USD spent on audit LLM calls", registry=self.registry
        )
        self.wrong_rate = Gauge(
            "semcache_wrong_rate",
            "Audited wrong-answer rate among semantic hits on this replica: estimate and 95% Wilson bounds",
            ["stat"],
            registry=self.registry,
        )
        self._audited = [0, 0]  # right, wrong: this replica's audits, for the gauge

    def verdict(self, v: Verdict) -> None:
        self.verdicts.labels(v.kind, "right" if v.correct else "wrong").inc()
        if v.kind != "audit":
            return
        self.audit_cost.inc(v.cost_usd)
        self._audited[not v.correct] += 1
        r = rate(self._audited[1], sum(self._audited))
        for stat, value in (("estimate", r.estimate), ("low", r.low), ("high", r.high)):
            self.wrong_rate.labels(stat).set(value)

    def observe(self, e: TelemetryEvent) -> None:
        self.requests.labels(e.path, e.status).inc()
        self.latency.labels(e.path, e.status).observe(e.latency_ms / 1000)
        if e.ttft_ms is not None:
            self.ttft.labels(e.path, e.status).observe(e.ttft_ms / 1000)
        if e.path == "raw":
            return
        if e.status == "hit":
            self.hits.labels(e.source or "unknown").inc()
        self.tokens_saved.inc(e.tokens_saved)
        self.cost_saved.inc(e.cost_saved_usd)
        self.llm_tokens.labels("prompt").inc(e.prompt_tokens)
        self.llm_tokens.labels("completion").inc(e.completion_tokens)

    def refused_write(self, reason: str) -> None:
        self.writes_refused.labels(reason).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
