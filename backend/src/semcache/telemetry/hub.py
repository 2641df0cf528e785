"""The telemetry sink the service writes to: Redis Streams (shared by replicas) and Prometheus (this
replica). Each event goes to both; a failure of either is logged and never reaches the request."""

from __future__ import annotations

import logging

from semcache.errors import CacheUnavailableError
from semcache.telemetry.errorrate import Rate
from semcache.telemetry.events import TelemetryEvent
from semcache.telemetry.prometheus import PromMetrics
from semcache.telemetry.quality import QualityConfig
from semcache.telemetry.streams import RedisTelemetry
from semcache.telemetry.verdicts import RedisVerdicts
from semcache.verify.learning import Thresholds

__all__ = ["TelemetryHub"]

log = logging.getLogger(__name__)


class TelemetryHub:
    def __init__(
        self, streams: RedisTelemetry | None, prometheus: PromMetrics, verdicts: RedisVerdicts | None = None
    ) -> None:
        self.streams = streams
        self.prometheus = prometheus
        #: Audits', miss comparisons' and feedback's verdicts (telemetry/verdicts.py).
        self.verdicts = verdicts
        #: What the quality report states beside its figures; None: no report.
        self.quality: QualityConfig | None = None
        #: "tenant/namespace" -> its audited rate, while its interval's upper end is above CACHE_MAX_ERROR
        #: (the auditor keeps it, /health reads it).
        self.alerts: dict[str, Rate] = {}
        #: Learned per-namespace thresholds (verify/learning.py); None: learning is off.
        self.thresholds: Thresholds | None = None

    async def record(self, event: TelemetryEvent) -> None:
        try:
            self.prometheus.observe(event)
        except Exception:
            log.warning("prometheus observe failed", exc_info=True)
        if self.streams is not None:
            await self.streams.record(event)

    def require_streams(self) -> RedisTelemetry:
        """The Redis Streams a summary is read from; telemetry turned off is a 503 for its readers."""
        if self.streams is None:
            raise CacheUnavailableError("telemetry is disabled (TELEMETRY_ENABLED=false)")
        return self.streams
