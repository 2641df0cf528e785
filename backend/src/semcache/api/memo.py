"""The last good result of an expensive check, reused for a few seconds.

/readiness is a probe, so it answers without a key; its checks include calls that cost money (an embedding
from Azure OpenAI) or quota (listing the models). Memoised, any number of callers cost one run per `ttl_s`,
and callers arriving while a run is under way wait for it instead of starting their own. Only a result
`keep` accepts is reused: a failure is checked again on the next call, so recovery shows at once (and a
failing upstream call is not billed).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["Memo"]

T = TypeVar("T")


class Memo(Generic[T]):
    def __init__(self, ttl_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = asyncio.Lock()
        self._value: T | None = None
        self._at = 0.0

    async def get(self, compute: Callable[[], Awaitable[T]], *, keep: Callable[[T], bool] = bool) -> T:
        async with self._lock:
            if self._value is not None and self._clock() - self._at < self._ttl_s:
                return self._value
            value = await compute()
            self._value, self._at = (value, self._clock()) if keep(value) else (None, 0.0)
            return value
