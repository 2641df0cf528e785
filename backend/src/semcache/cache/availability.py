"""Keeps the cache usable across Redis restarts: the index is (re)checked lazily, at most once a second,
after any failure, so a Redis that comes back is used again without restarting the service."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar, cast

from semcache.cache.base import Index
from semcache.errors import CacheUnavailableError

T = TypeVar("T")


class CacheGate:
    def __init__(self, stores: Sequence[Index], *, retry_after_s: float = 1.0) -> None:
        self._stores = list(stores)
        self._retry_after_s = retry_after_s
        self._ready = False
        self._last_attempt = 0.0
        self.last_error: str | None = "not checked yet"

    @property
    def ready(self) -> bool:
        return self._ready

    async def ensure(self) -> None:
        if self._ready:
            return
        now = time.monotonic()
        if now - self._last_attempt < self._retry_after_s and self._last_attempt:
            raise CacheUnavailableError(f"cache unavailable: {self.last_error}")
        self._last_attempt = now
        try:
            for store in self._stores:
                await store.ensure_index()
        except CacheUnavailableError as e:
            self.last_error = e.message
            raise
        self._ready, self.last_error = True, None

    def failed(self, error: CacheUnavailableError) -> None:
        self._ready = False
        self.last_error = error.message

    async def run(self, op: Callable[[], Awaitable[T]]) -> T:
        """Run a cache operation; a failure marks the cache for a re-check and propagates."""
        await self.ensure()
        try:
            return await op()
        except CacheUnavailableError as e:
            self.failed(e)
            raise

    def guarded(self, target: T) -> T:
        """`target` with each of its coroutine methods run through this gate (`run`): the one place that
        wraps the cache for availability, instead of a `gate.run(lambda: ...)` at every call site."""
        return cast(T, _Guarded(target, self))


class _Guarded:
    def __init__(self, target: object, gate: CacheGate) -> None:
        self._target = target
        self._gate = gate

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._target, name)
        if not inspect.iscoroutinefunction(attr):
            return attr
        gate = self._gate

        @functools.wraps(attr)
        async def through_gate(*args: object, **kwargs: object) -> object:
            return await gate.run(lambda: attr(*args, **kwargs))

        return through_gate
