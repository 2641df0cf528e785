"""Per-key rate limits: a sliding-window log in one Redis sorted set per (tenant, key digest).

One Lua script does the whole check atomically, so replicas share one count and two requests can never
both take the last slot. Scores come from Redis's own clock (`TIME`), not each replica's, so skewed
hosts agree on the window. The key holds a digest of the API key, never the key itself: `KEYS *` or a
Redis dump must not leak credentials.

When Redis fails, the limiter fails open (the request is served) and stays open for `backoff_s`
before asking Redis again, so a dead Redis costs one refused connection a second, not one per request:
the cache already degrades to the LLM then, and refusing every caller would turn a Redis blip into an
outage.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

__all__ = ["RateLimiter", "bucket_key"]

log = logging.getLogger(__name__)

#: KEYS[1] = bucket; ARGV = limit, window in ms, a unique member. Returns {allowed, remaining, retry_ms}.
SLIDING_WINDOW_LUA = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
return {0, 0, retry}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int = 0
    degraded: bool = False  # Redis could not be asked: allowed without counting


def key_digest(api_key: str | None) -> str:
    """A stable, non-reversible id for an API key (callers with no key share one bucket per tenant)."""
    if not api_key:
        return "anonymous"
    return hashlib.sha256(api_key.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def bucket_key(prefix: str, tenant: str, api_key: str | None) -> str:
    return f"{prefix}:ratelimit:{tenant}:{key_digest(api_key)}"


def retry_after_seconds(retry_ms: int) -> int:
    """Whole seconds for the Retry-After header, rounded up and at least 1 (0 would invite a hot loop)."""
    return max(1, math.ceil(retry_ms / 1000))


class RateLimiter:
    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str,
        per_minute: int,
        window_s: float = 60.0,
        backoff_s: float = 1.0,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self.limit = per_minute
        self._window_ms = int(window_s * 1000)
        self._backoff_s = backoff_s
        self._down_until = 0.0
        self._failing = False
        # register_script runs nothing now: EVALSHA on first use, re-loading after a Redis restart.
        self._script = client.register_script(SLIDING_WINDOW_LUA)

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    async def check(self, tenant: str, api_key: str | None) -> Decision:
        if not self.enabled:
            return Decision(True, 0, 0)
        if time.monotonic() < self._down_until:
            return Decision(True, self.limit, self.limit, degraded=True)
        key = bucket_key(self._prefix, tenant, api_key)
        try:
            reply = await self._script(keys=[key], args=[self.limit, self._window_ms, uuid.uuid4().hex])
        except RedisError as e:
            if not self._failing:  # once per outage, not once per request
                log.warning("rate limit not enforced while Redis is unavailable: %s", type(e).__name__)
            self._failing = True
            self._down_until = time.monotonic() + self._backoff_s
            return Decision(True, self.limit, self.limit, degraded=True)
        if self._failing:
            log.info("rate limit enforced again: Redis answers")
            self._failing = False
        allowed, remaining, retry_ms = (int(x) for x in reply)
        if allowed:
            return Decision(True, self.limit, remaining)
        return Decision(False, self.limit, 0, retry_after_s=retry_after_seconds(retry_ms))
