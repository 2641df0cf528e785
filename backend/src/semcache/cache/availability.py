"""Keeps the cache usable across Redis restarts: the index is (re)checked lazily, at most once a second,
after any failure, so a Redis that comes back is used again without restarting the service.

It also knows why the cache is not in use, because the answer differs for an operator:
- `loading`: Redis replays its data after a restart (`-LOADING`) or the index is still being built; lookups
  bypass and answers are not stored until it is done, then the cache is used again by itself;
- `full`: Redis refuses writes (`OOM command not allowed`: maxmemory reached with noeviction, as Azure
  Managed Redis runs); lookups still serve, stores are refused, counted and logged at most once a minute;
- `down`: Redis does not answer; `degraded`: it answers but the index cannot be used.
"""

from __future__ import annotations

import copy
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, Literal, ParamSpec, Self, TypeVar

from redis.exceptions import BusyLoadingError, OutOfMemoryError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from semcache.cache.base import Index
from semcache.errors import CacheFullError, CacheLoadingError, CacheUnavailableError

__all__ = ["CacheGate", "Gateable", "Loading", "classify", "gated"]

log = logging.getLogger(__name__)
T = TypeVar("T")
Failure = Literal["loading", "full", "down", "error"]
#: How long a refused write keeps /health at `full` (a later refusal renews it), and how often it is logged.
FULL_WINDOW_S = 60.0


def classify(error: BaseException) -> Failure:
    """Why a Redis call failed, from the redis-py error a CacheUnavailableError wraps (pure)."""
    cause = error.__cause__ if error.__cause__ is not None else error
    if isinstance(cause, BusyLoadingError) or str(cause).startswith("LOADING"):
        return "loading"  # BusyLoadingError is a ConnectionError: test it first
    if isinstance(cause, OutOfMemoryError) or "command not allowed when used memory" in str(cause):
        return "full"  # redis-py strips the "OOM" code from the message (a pipeline rewords it too)
    if isinstance(cause, RedisConnectionError | RedisTimeoutError | OSError):
        return "down"
    return "error"


@dataclass(frozen=True)
class Loading:
    """Progress of a Redis that is loading: its data (INFO persistence) and the index (FT.INFO), in percent."""

    data_percent: float | None = None
    index_percent: float | None = None

    def describe(self) -> str:
        parts = []
        if self.data_percent is not None:
            parts.append(f"data {self.data_percent:.0f}% loaded")
        if self.index_percent is not None:
            parts.append(f"index {self.index_percent:.0f}% built")
        progress = f" ({', '.join(parts)})" if parts else ""
        return f"cache loading{progress}: lookups bypass the cache and answers are not stored until it is done"


class CacheGate:
    def __init__(self, stores: Sequence[Index], *, retry_after_s: float = 1.0) -> None:
        self._stores = list(stores)
        self._retry_after_s = retry_after_s
        self._ready = False
        self._last_attempt = 0.0
        self.last_error: str | None = "not checked yet"
        self.state: Literal["ok", "loading", "down", "degraded"] = "down"
        self.loading: Loading | None = None
        self.refused_writes = 0
        self.last_refused_at = 0.0
        self._last_full_log = 0.0
        #: Called with the failure kind for every refused write (the Prometheus counter).
        self.on_refused: Callable[[str], None] | None = None

    @property
    def ready(self) -> bool:
        return self._ready

    def full(self, now: float | None = None) -> bool:
        """A write was refused for lack of memory within the last FULL_WINDOW_S seconds."""
        now = time.monotonic() if now is None else now
        return self.refused_writes > 0 and now - self.last_refused_at < FULL_WINDOW_S

    async def ensure(self) -> None:
        if self._ready:
            return
        now = time.monotonic()
        if now - self._last_attempt < self._retry_after_s and self._last_attempt:
            if self.state == "loading" and self.loading is not None:
                raise CacheLoadingError(self.loading.describe())
            raise CacheUnavailableError(f"cache unavailable: {self.last_error}")
        self._last_attempt = now
        try:
            outcomes = [await store.ensure_index() for store in self._stores]
            # An index that existed may still be scanning keys replayed from disk; a new one has nothing to scan
            # but says "indexing" while it walks the keyspace once.
            index_percent = 100.0 if outcomes[0] == "created" else await self._stores[0].index_percent()
        except CacheUnavailableError as e:
            await self._failed_check(e)
            if self.state == "loading":
                raise self._as_loading() from e
            raise
        if index_percent < 100.0:
            # Entries replayed from the AOF are indexed in the background: a search now would miss most.
            self._set_loading(Loading(None, index_percent))
            raise self._as_loading()
        self._ready, self.last_error, self.state, self.loading = True, None, "ok", None

    async def _failed_check(self, error: CacheUnavailableError) -> None:
        kind = classify(error)
        timed_out = isinstance(error.__cause__, RedisTimeoutError | TimeoutError)
        if kind == "loading" or (timed_out and self.state == "loading"):
            # A loading Redis answers slowly between its event-loop turns: a timeout then is still loading
            # (a refused connection is not: that Redis has gone).
            self._set_loading(Loading(await self._stores[0].loading_percent(), None))
            return
        self.failed(error)

    def _set_loading(self, loading: Loading) -> None:
        self._ready, self.state, self.loading = False, "loading", loading
        self.last_error = loading.describe()

    def _as_loading(self) -> CacheLoadingError:
        return CacheLoadingError((self.loading or Loading()).describe())

    def failed(self, error: CacheUnavailableError) -> None:
        self._ready = False
        self.last_error = error.message
        self.state = "down" if classify(error) == "down" else "degraded"

    def refused(self, error: CacheUnavailableError) -> CacheFullError:
        """A write Redis refused for lack of memory: counted, logged at most once a minute; reads go on."""
        now = time.monotonic()
        self.refused_writes += 1
        self.last_refused_at = now
        if self.on_refused is not None:
            self.on_refused("full")
        if now - self._last_full_log >= FULL_WINDOW_S or not self._last_full_log:
            self._last_full_log = now
            log.warning(
                "cache full: Redis refuses writes (%s); answers are served but not stored (%d refused so far). "
                "Lower CACHE_TTL, give Redis more memory (a larger SKU), or clear old entries",
                error.message,
                self.refused_writes,
            )
        return CacheFullError(
            "cache full: Redis refused the write (maxmemory reached, noeviction); the answer was not stored"
        )

    async def run(self, op: Callable[[], Awaitable[T]]) -> T:
        """Run a cache operation; a failure marks the cache for a re-check and propagates."""
        await self.ensure()
        try:
            return await op()
        except CacheUnavailableError as e:
            kind = classify(e)
            if kind == "full":
                raise self.refused(e) from e
            if kind == "loading":
                self._set_loading(Loading(None, None))
                raise self._as_loading() from e
            self.failed(e)
            raise


S = TypeVar("S", bound="Gateable")
P = ParamSpec("P")
R = TypeVar("R")


class Gateable:
    """Mixin: `through(gate)` is a view of the object whose `@gated` methods run through the gate.

    The view shares the object's parts (a shallow copy), and a gated call runs on the original object, so
    its own calls to other methods are not gated twice (a refused write would be counted twice)."""

    _gate: CacheGate | None = None
    _raw: Self | None = None

    def through(self, gate: CacheGate) -> Self:
        view = copy.copy(self)
        view._gate, view._raw = gate, self
        return view


def gated(method: Callable[Concatenate[S, P], Awaitable[R]]) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """A coroutine method of a `Gateable` that, on a `through(gate)` view, runs through the gate (`run`):
    the one place that wraps the cache for availability, typed, so callers keep the method's signature."""

    async def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        gate, raw = self._gate, self._raw
        if gate is None or raw is None:
            return await method(self, *args, **kwargs)
        return await gate.run(lambda: method(raw, *args, **kwargs))

    functools.update_wrapper(call, method)  # not @wraps: typeshed's _Wrapped would hide the signature
    return call
