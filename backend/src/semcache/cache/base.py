"""The small Protocols the service's flow needs from the cache, and no more.

`cache/redis.py` (RedisStore) and `cache/semantic.py` implement them against Redis; the unit tests implement
them in memory (tests/support/fakes.py), so single flight, the availability gate, the service's flow and the
feedback's bookkeeping are tested without starting processes. The integration tests keep using real Redis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from semcache.cache.models import Entry

if TYPE_CHECKING:
    from semcache.cache.semantic import Lookup
    from semcache.embeddings.base import Vector
    from semcache.normalize import Scope

__all__ = ["AliasStore", "AnswerCache", "FlightLocks", "Index", "Verdicts"]


class FlightLocks(Protocol):
    """Cross-replica single flight: a short lock per entry id, and the entry its leader stores."""

    async def acquire_flight(self, entry_id: str, token: str, *, ttl_ms: int) -> bool: ...

    async def flight_held(self, entry_id: str) -> bool: ...

    async def release_flight(self, entry_id: str, token: str) -> None: ...

    async def get(self, entry_id: str, *, scope: Mapping[str, str] | None = None) -> Entry | None: ...


class Index(Protocol):
    """An index the availability gate (re)creates when Redis comes back; raises CacheUnavailableError."""

    async def ensure_index(self) -> str:
        """ "created" for a new index, anything else for one that existed."""
        ...

    async def index_percent(self) -> float:
        """How much of the index is built, 0-100 (below 100 while Redis re-indexes after a restart)."""
        ...

    async def loading_percent(self) -> float | None:
        """How much of its data a loading Redis has read, or None when it does not say."""
        ...


class Verdicts(Protocol):
    """Where clients' verdicts on served hits are counted (verify/feedback.py says what they mean)."""

    async def record_verdict(
        self, entry_id: str, *, correct: bool, similarity: float | None, keep: int
    ) -> dict[str, object] | None:
        """The entry's feedback state after counting the verdict (keeping its newest `keep` observations
        with a similarity), or None when there is no such entry."""
        ...


class AliasStore(Protocol):
    """Where a query's prompt is kept as an alias of an entry whose answer a verdict found right for it."""

    async def add_alias(self, entry_id: str, prompt: str, vector: Vector, scope: Mapping[str, str]) -> bool: ...


class AnswerCache(Protocol):
    """What the service asks of the cache: find an answer for a prompt in a scope, store one."""

    @property
    def distance_threshold(self) -> float: ...

    async def lookup(
        self,
        prompt: str,
        scope: Scope,
        *,
        distance_threshold: float | None = None,
        max_age_s: float | None = None,
        base_threshold: float | None = None,
    ) -> Lookup: ...

    async def put(
        self,
        prompt: str,
        response: str,
        scope: Scope,
        *,
        ttl: int | None,
        vector: Vector | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        metadata: Mapping[str, object] | None = None,
        tags: tuple[str, ...] = (),
    ) -> Entry: ...
