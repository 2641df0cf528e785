"""Telemetry in Redis: every event to a capped Stream (XADD MAXLEN ~ N), counters in a HASH so that
all-time summaries are one HGETALL, and the stream's tail as the window for percentiles."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from semcache.errors import CacheUnavailableError
from semcache.telemetry.events import TelemetryEvent

__all__ = ["RedisTelemetry"]

log = logging.getLogger(__name__)


@contextmanager
def _readable() -> Iterator[None]:
    """A reader's Redis failure as our own error: a 503 the API's one handler maps, like the cache's."""
    try:
        yield
    except RedisError as e:
        raise CacheUnavailableError(f"telemetry unavailable: {type(e).__name__}") from e


def _decode(raw: dict[Any, Any]) -> TelemetryEvent:
    values = {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v) for k, v in raw.items()
    }

    # Empty strings are the Nones record() wrote; pydantic parses the numbers back from their text.
    present = {k: v for k, v in values.items() if v not in ("", None)}
    return TelemetryEvent.model_validate({"path": "cache", "status": "ok", "tenant": "", "model": "", **present})


class RedisTelemetry:
    def __init__(self, client: aioredis.Redis, *, prefix: str, maxlen: int, window: int) -> None:
        self._client = client
        self.stream_key = f"{prefix}:telemetry"
        self._prefix = prefix
        self._maxlen = maxlen
        self.window_size = window
        self.dropped = 0

    def counters_key(self, tenant: str | None = None) -> str:
        return f"{self._prefix}:telemetry:counters" + (f":t:{tenant}" if tenant else "")

    async def record(self, event: TelemetryEvent) -> None:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.xadd(self.stream_key, event.fields(), maxlen=self._maxlen, approximate=True)  # type: ignore[arg-type]
                for key in (self.counters_key(), self.counters_key(event.tenant)):
                    self._count(pipe, key, event)
                await pipe.execute()
        except (RedisError, OSError) as e:
            # Telemetry never fails a request; the loss is counted and visible in /telemetry/stream-info.
            self.dropped += 1
            log.debug("telemetry event dropped: %s", type(e).__name__)

    @staticmethod
    def _count(pipe: Any, key: str, e: TelemetryEvent) -> None:
        pipe.hincrby(key, f"{e.path}:requests", 1)
        pipe.hincrby(key, f"{e.path}:{e.status}", 1)
        if e.status == "hit" and e.source:
            pipe.hincrby(key, f"hits:{e.source}", 1)
        if e.path == "raw":
            return  # the baseline column: counted as requests only, its tokens are not the cache path's spend
        pipe.hincrby(key, "llm_prompt_tokens", e.prompt_tokens)
        pipe.hincrby(key, "llm_completion_tokens", e.completion_tokens)
        pipe.hincrby(key, "tokens_saved", e.tokens_saved)
        pipe.hincrbyfloat(key, "cost_usd", e.cost_usd)
        pipe.hincrbyfloat(key, "cost_saved_usd", e.cost_saved_usd)

    async def counters(self, tenant: str | None = None) -> dict[str, float]:
        with _readable():
            raw = await self._client.hgetall(self.counters_key(tenant))
        return {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}

    async def recent(self, count: int, tenant: str | None = None) -> list[TelemetryEvent]:
        """The last `count` events (of one tenant when asked), oldest first."""
        scan = count if tenant is None else min(count * 10, self._maxlen)
        with _readable():
            entries = await self._client.xrevrange(self.stream_key, count=scan) or []
        events = [_decode(dict(fields or {})) for _, fields in entries]
        if tenant is not None:
            events = [e for e in events if e.tenant == tenant][:count]
        return list(reversed(events))

    async def stream_info(self) -> dict[str, object]:
        try:
            info = await self._client.xinfo_stream(self.stream_key)
        except RedisError:
            info = {}
        first, last = info.get("first-entry"), info.get("last-entry")
        return {
            "stream": self.stream_key,
            "length": int(info.get("length", 0)),
            "maxlen_approx": self._maxlen,
            "first_id": first[0].decode() if first else None,
            "last_id": last[0].decode() if last else None,
            "window": self.window_size,
            "dropped_events": self.dropped,
        }

    async def clear(self) -> int:
        keys = [self.stream_key]
        with _readable():
            async for key in self._client.scan_iter(match=self.counters_key() + "*", count=500):
                keys.append(key)
            return int(await self._client.delete(*keys))
