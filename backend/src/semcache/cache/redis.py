"""RedisStore: the cache's one door to Redis (FT.*, entry keys, counters, locks, index upkeep).

A facade over small parts that share one `Keyspace` (client + index spec), each a concern of its own:
`entries` (one entry by id, generations), `search` (KNN), `counters` (hits, misses, verdicts), `locks`
(single flight), `browse` (many entries at once), `maintenance` (the index and the server's state); what a
reply means is `codec` (pure), what a query says is `query` (pure). Every coroutine method is `@gated`: on the
view `store.through(gate)` it runs through the availability gate, typed (no proxy). Every method raises
CacheUnavailableError for a redis error, so callers can degrade to the LLM.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import redis.asyncio as aioredis

from semcache.cache.aliases import Aliases, alias_spec
from semcache.cache.availability import Gateable, gated
from semcache.cache.browse import Browser
from semcache.cache.counters import Counters
from semcache.cache.entries import Entries
from semcache.cache.keyspace import Keyspace
from semcache.cache.locks import FlightLockKeys
from semcache.cache.maintenance import Maintenance
from semcache.cache.models import Candidate, Entry, NewEntry
from semcache.cache.query import HybridPolicy
from semcache.cache.schema import IndexSpec
from semcache.cache.search import KnnSearch
from semcache.embeddings.base import Vector
from semcache.normalize import entry_id as entry_id_of
from semcache.normalize import normalize_text

__all__ = ["RedisStore"]


class RedisStore(Gateable):
    """Cache entries in HASHes under one index. Implements `base.FlightLocks` and `base.Index`."""

    def __init__(
        self,
        client: aioredis.Redis,
        spec: IndexSpec,
        *,
        sliding_ttl: bool = False,
        ttl_max: int | None = None,
        alias_cap: int = 0,
    ) -> None:
        keyspace = Keyspace(client, spec)
        self.client = client
        self.spec = spec
        self._entries = Entries(keyspace, ttl_max=ttl_max)
        # Aliases (cache/aliases.py): an index of their own, searched with the entries' when alias_cap > 0.
        alias_keys = Keyspace(client, alias_spec(spec))
        self._aliases = Aliases(keyspace, alias_keys, cap=alias_cap) if alias_cap > 0 else None
        self._alias_maintenance = Maintenance(alias_keys) if alias_cap > 0 else None
        self._search = KnnSearch(keyspace, self._aliases)
        self._counters = Counters(keyspace, sliding_ttl=sliding_ttl, ttl_max=ttl_max)
        self._locks = FlightLockKeys(keyspace)
        self._browse = Browser(keyspace)
        self._maintenance = Maintenance(keyspace)

    @property
    def sliding_ttl(self) -> bool:
        return self._counters.sliding_ttl

    @property
    def ttl_max(self) -> int | None:
        return self._entries.ttl_max

    # --- one entry: the lookup's exact path, the store after a miss -------------------------------------

    @gated
    async def get(self, entry_id: str, *, scope: Mapping[str, str] | None = None) -> Entry | None:
        """The entry, or None. With `scope` (a lookup), an entry of an older generation of that scope's
        namespace is None too."""
        if scope is None:
            return await self._entries.get(entry_id)
        return (await self._entries.get_current(entry_id, scope))[0]

    @gated
    async def get_current(self, entry_id: str, scope: Mapping[str, str]) -> tuple[Entry | None, int]:
        """(the entry unless of an older generation, the current generation of its scope's namespace)."""
        return await self._entries.get_current(entry_id, scope)

    @gated
    async def put(self, entry_id: str, new: NewEntry, vector: Vector, *, ttl: int | None) -> Entry:
        return await self._entries.put(entry_id, new, vector, ttl=ttl)

    @gated
    async def delete(self, entry_id: str) -> bool:
        return await self._entries.delete(entry_id)

    @gated
    async def embedding(self, entry_id: str) -> Vector | None:
        return await self._entries.embedding(entry_id)

    @gated
    async def bump_generation(self, scope: Mapping[str, str]) -> int:
        """O(1) invalidation of a (tenant, namespace): its entries stop matching at once and age out by TTL."""
        return await self._entries.bump_generation(scope)

    @gated
    async def generations(self, scopes: list[Mapping[str, str]]) -> list[int]:
        return await self._entries.generations(scopes)

    @gated
    async def generation(self, scope: Mapping[str, str]) -> int:
        return await self._entries.generation(scope)

    # --- the semantic path ------------------------------------------------------------------------------

    @gated
    async def search(
        self,
        vector: Vector,
        scope: Mapping[str, str],
        *,
        k: int,
        min_created_at: float | None = None,
        generation: int | None = None,
        alias_within: float | None = None,
    ) -> list[Candidate]:
        """The k nearest entries in the scope, skipping those of an older generation of its namespace; with
        `alias_within` also those whose aliases are that near (at the alias's distance, `Candidate.via`)."""
        return await self._search.search(
            vector, scope, k=k, min_created_at=min_created_at, generation=generation, alias_within=alias_within
        )

    @property
    def aliases_on(self) -> bool:
        return self._aliases is not None

    @gated
    async def add_alias(self, entry_id: str, prompt: str, vector: Vector, scope: Mapping[str, str]) -> bool:
        """Keep `prompt` (a query whose answer a verdict found equal to the entry's) as an alias of the entry,
        in the entry's scope; False when aliases are off, it is one already, or the entry is gone or full."""
        if self._aliases is None:
            return False
        text = normalize_text(prompt)
        return await self._aliases.add(entry_id, prompt, text, vector, scope, alias_id=entry_id_of(text, scope))

    def known_policy(self, scope: Mapping[str, str]) -> HybridPolicy | None:
        """The hybrid policy the next search in this scope names (None: RediSearch chooses)."""
        return self._search.known_policy(scope)

    # --- counters written back to entries ---------------------------------------------------------------

    @gated
    async def record_hit(self, entry_id: str, similarity: float = 1.0) -> None:
        await self._counters.record_hit(entry_id, similarity)

    @gated
    async def record_miss(self) -> None:
        await self._counters.record_miss()

    @gated
    async def record_verdict(
        self, entry_id: str, *, correct: bool, similarity: float | None, keep: int
    ) -> dict[str, object] | None:
        """A client's verdict on a served hit, counted in the entry: its feedback state, or None (no entry)."""
        return await self._counters.record_verdict(entry_id, correct=correct, similarity=similarity, keep=keep)

    # --- single flight across replicas: a short lock per entry id while its answer is generated ---------

    @gated
    async def acquire_flight(self, entry_id: str, token: str, *, ttl_ms: int) -> bool:
        return await self._locks.acquire(entry_id, token, ttl_ms=ttl_ms)

    @gated
    async def flight_held(self, entry_id: str) -> bool:
        return await self._locks.held(entry_id)

    @gated
    async def release_flight(self, entry_id: str, token: str) -> None:
        await self._locks.release(entry_id, token)

    # --- browsing, export and invalidation --------------------------------------------------------------

    @gated
    async def browse(
        self, filter_expr: str, *, sort: str, offset: int, limit: int
    ) -> tuple[int, list[tuple[Entry, int | None]]]:
        """(how many match, one page of (entry, seconds of TTL left or None)), sorted by `query.SORTS[sort]`."""
        return await self._browse.browse(filter_expr, sort=sort, offset=offset, limit=limit)

    @gated
    async def ttl_left(self, entry_id: str) -> int | None:
        return await self._browse.ttl_left(entry_id)

    def dump(
        self, *, tenant: str | None, vectors: bool, batch: int = 200
    ) -> AsyncIterator[tuple[Entry, Vector | None, int | None]]:
        """Every live entry (of one tenant, or all), with its vector if asked and its TTL left (a SCAN)."""
        return self._browse.dump(tenant=tenant, vectors=vectors, batch=batch)

    @gated
    async def delete_where(
        self,
        *,
        scope: Mapping[str, str],
        tags: tuple[str, ...] = (),
        older_than_s: float | None = None,
        batch: int = 500,
    ) -> int:
        """Delete the entries matching scope values, all given tags and/or an age, through the index."""
        return await self._browse.delete_where(scope=scope, tags=tags, older_than_s=older_than_s, batch=batch)

    @gated
    async def clear(self, *, scope: Mapping[str, str] | None = None, pattern: str | None = None) -> int:
        """Delete every entry, or those in a scope and/or whose prompt matches a glob (a SCAN)."""
        return await self._browse.clear(scope=scope, pattern=pattern)

    # --- the index and the server's state ---------------------------------------------------------------

    @gated
    async def ensure_index(self) -> str:
        """Create the index if missing ("created"); rebuild it, keeping the data, if its schema differs."""
        outcome = await self._maintenance.ensure_index()
        if self._alias_maintenance is not None:
            await self._alias_maintenance.ensure_index()
        return outcome

    @gated
    async def drop_index(self) -> None:
        """Delete the index and every entry under its prefix (and the aliases' index and aliases)."""
        await self._maintenance.drop_index()
        if self._alias_maintenance is not None:
            await self._alias_maintenance.drop_index()

    @gated
    async def stats(self) -> dict[str, object]:
        return await self._maintenance.stats()

    @gated
    async def modules(self) -> set[str]:
        return await self._maintenance.modules()

    @gated
    async def ft_list(self) -> bool | None:
        """Whether FT._LIST answers: True, False (no query engine), or None when an ACL forbids it."""
        return await self._maintenance.ft_list()

    @gated
    async def index_percent(self) -> float:
        return await self._maintenance.index_percent()

    @gated
    async def loading_percent(self) -> float | None:
        return await self._maintenance.loading_percent()

    @gated
    async def memory(self) -> dict[str, int | str]:
        return await self._maintenance.memory()
