"""Verdicts on served (or nearly served) answers in Redis: counters per tenant and namespace, a capped Stream
for the trace and the what-if sample, the audits' cost, and the per-entry audit budget.

Keys (all under the cache prefix, beside the request telemetry):
- `{prefix}:telemetry:verdicts` and `...:verdicts:t:{tenant}`: HASH, fields `{kind}:{right|wrong}:{namespace}`
  (what `errorrate.rates` reads) and `audit:calls`, `audit:cost_usd`, `audit:tokens`;
- `{prefix}:telemetry:verdicts:log`: Stream (XADD MAXLEN ~ N), one entry per audit;
- `{prefix}:telemetry:alerts`: Stream, one entry each time a namespace's interval crosses CACHE_MAX_ERROR;
- `{prefix}:audit:n:{entry id}`: how often that entry was audited (CACHE_AUDIT_MAX_PER_ENTRY), with the
  entry's TTL so it goes when the entry does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from semcache.errors import CacheUnavailableError
from semcache.telemetry.errorrate import KINDS, Kind

__all__ = ["RedisVerdicts", "Verdict"]

log = logging.getLogger(__name__)

#: The stream keeps about this many audits (the report reads the newest `quality.RECENT`).
LOG_MAXLEN = 10_000


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    correct: bool
    tenant: str
    namespace: str
    ts: float
    similarity: float | None = None  # the query's similarity to the entry's prompt
    score: float | None = None  # the judge's score of the two answers (1 = the same)
    cost_usd: float = 0.0  # what this verdict's LLM call cost (audits only; a miss comparison is free)
    tokens: int = 0

    def fields(self) -> dict[str, str]:
        values = {**self.__dict__, "correct": int(self.correct)}
        return {k: "" if v is None else str(v) for k, v in values.items()}

    @classmethod
    def parse(cls, raw: Mapping[Any, Any]) -> Verdict | None:
        v = {(k.decode() if isinstance(k, bytes) else k): (x.decode() if isinstance(x, bytes) else x)
             for k, x in raw.items()}  # fmt: skip
        kind = next((k for k in KINDS if k == v.get("kind")), None)
        if kind is None:
            return None
        try:
            return cls(kind, v.get("correct") == "1", v.get("tenant", ""), v.get("namespace", ""),
                       float(v.get("ts") or 0), _float(v.get("similarity")), _float(v.get("score")),
                       float(v.get("cost_usd") or 0), int(v.get("tokens") or 0))  # fmt: skip
        except ValueError:
            return None


def _float(text: str | None) -> float | None:
    return float(text) if text else None


class RedisVerdicts:
    def __init__(self, client: aioredis.Redis, *, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self.log_key = f"{prefix}:telemetry:verdicts:log"
        self.alerts_key = f"{prefix}:telemetry:alerts"

    def counters_key(self, tenant: str | None = None) -> str:
        return f"{self._prefix}:telemetry:verdicts" + (f":t:{tenant}" if tenant else "")

    async def record(self, verdict: Verdict) -> None:
        """Count and log one verdict; a Redis failure is logged, never raised (it is telemetry)."""
        field = f"{verdict.kind}:{'right' if verdict.correct else 'wrong'}:{verdict.namespace}"
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key in (self.counters_key(), self.counters_key(verdict.tenant)):
                    pipe.hincrby(key, field, 1)
                    if verdict.kind == "audit":
                        pipe.hincrby(key, "audit:calls", 1)
                        pipe.hincrby(key, "audit:tokens", verdict.tokens)
                        pipe.hincrbyfloat(key, "audit:cost_usd", verdict.cost_usd)
                if verdict.kind == "audit":  # the log feeds the trace and the what-if sample: audits only
                    pipe.xadd(self.log_key, verdict.fields(), maxlen=LOG_MAXLEN, approximate=True)  # type: ignore[arg-type]
                await pipe.execute()
        except (RedisError, OSError) as e:
            log.warning("verdict not recorded: %s", type(e).__name__)

    async def alert(self, *, tenant: str, namespace: str, estimate: float, high: float, judged: int) -> None:
        """A telemetry event for the operator: the namespace's audited wrong rate may exceed CACHE_MAX_ERROR."""
        fields = {"tenant": tenant, "namespace": namespace, "estimate": str(estimate), "high": str(high),
                  "judged": str(judged), "ts": str(time.time())}  # fmt: skip
        try:
            await self._client.xadd(self.alerts_key, fields, maxlen=1_000, approximate=True)  # type: ignore[arg-type]
        except (RedisError, OSError) as e:
            log.warning("alert not recorded: %s", type(e).__name__)

    async def claim_audit(self, entry_id: str, *, limit: int, ttl: int | None) -> bool:
        """Take one of the entry's `limit` audits; False once they are spent (or Redis failed)."""
        key = f"{self._prefix}:audit:n:{entry_id}"
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, ttl or 30 * 86_400, nx=True)
                count, _ = await pipe.execute()
        except (RedisError, OSError):
            return False
        return int(count) <= limit

    async def counters(self, tenant: str | None = None) -> dict[str, float]:
        try:
            raw = await self._client.hgetall(self.counters_key(tenant))
        except RedisError as e:
            raise CacheUnavailableError(f"verdicts unavailable: {type(e).__name__}") from e
        return {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}

    async def recent(self, count: int, tenant: str | None = None) -> list[Verdict]:
        """The newest `count` verdicts (of one tenant when asked), oldest first."""
        try:
            entries = await self._client.xrevrange(self.log_key, count=count if tenant is None else count * 10)
        except RedisError as e:
            raise CacheUnavailableError(f"verdicts unavailable: {type(e).__name__}") from e
        verdicts = [v for _, raw in entries or [] if (v := Verdict.parse(dict(raw or {}))) is not None]
        if tenant is not None:
            verdicts = [v for v in verdicts if v.tenant == tenant][:count]
        return list(reversed(verdicts))

    async def clear(self) -> None:
        keys = [self.log_key, self.alerts_key]
        async for key in self._client.scan_iter(match=self.counters_key() + "*", count=500):
            keys.append(key)
        await self._client.delete(*keys)
