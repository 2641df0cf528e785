"""The KNN search under a scope filter, and the per-scope memory of which hybrid policy it names."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from semcache.cache.aliases import ALIAS_FIELDS, Aliases, merge, pointers
from semcache.cache.codec import RETURN_FIELDS, as_blob, generation_field, number, pairs, search_candidates
from semcache.cache.keyspace import Keyspace, unavailable_on
from semcache.cache.models import Candidate
from semcache.cache.query import HybridPolicy, count_args, hybrid_policy, scope_filter, scope_search_args
from semcache.embeddings.base import Vector

__all__ = ["SCOPE_COUNT_TTL_S", "KnnSearch", "PolicyMemory"]

#: How long a scope's share of the index is trusted before it is counted again.
SCOPE_COUNT_TTL_S = 60.0
#: Beyond this many remembered scopes the memory starts over (a count is cheap to redo).
_MAX_SCOPES = 10_000


class PolicyMemory:
    """Per scope filter: the hybrid policy its last count picked, and when that count goes stale. No I/O."""

    def __init__(self, *, ttl_s: float = SCOPE_COUNT_TTL_S, max_scopes: int = _MAX_SCOPES) -> None:
        self._ttl_s = ttl_s
        self._max_scopes = max_scopes
        # filter expression -> (hybrid policy, monotonic time the count goes stale)
        self._policies: dict[str, tuple[HybridPolicy | None, float]] = {}

    def known(self, scope_expr: str, now: float) -> tuple[HybridPolicy | None, bool]:
        """The KNN hybrid policy from the scope's last count, and whether to count it again now."""
        known = self._policies.get(scope_expr)
        if known is None:
            return None, True
        return known[0], known[1] <= now

    def remember(self, scope_expr: str, info: Any, matched: Any, now: float) -> None:
        """Keep the policy the scope's count (`matched`, an FT.SEARCH count) and the index size (FT.INFO) pick."""
        try:
            policy = hybrid_policy(int(matched[0]), number(pairs(info).get("num_docs")))
        except (ValueError, IndexError, TypeError):
            policy = None  # an unexpected reply shape: RediSearch keeps choosing
        if len(self._policies) >= self._max_scopes:
            self._policies.clear()
        self._policies[scope_expr] = (policy, now + self._ttl_s)


class KnnSearch:
    def __init__(self, keyspace: Keyspace, aliases: Aliases | None = None) -> None:
        self._ks = keyspace
        self._policies = PolicyMemory()
        #: With aliases, every search also asks the alias index, in the same round trip.
        self._aliases = aliases
        self._alias_index = aliases.spec.name if aliases is not None else ""

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
        """The k nearest entries in the scope, skipping those of an older generation of its namespace (read
        in the same round trip unless the caller already has it). With aliases and `alias_within` (a
        distance), entries are also found through their aliases that near (cache/aliases.py)."""
        spec = self._ks.spec
        scope_expr = scope_filter(scope, spec.scope_fields)
        policy, recount = self._policies.known(scope_expr, time.monotonic())
        blob = as_blob(vector)
        args = scope_search_args(spec.name, scope_expr, blob, k=k, ef_runtime=spec.ef_runtime,
                                 return_fields=RETURN_FIELDS, min_created_at=min_created_at, policy=policy)  # fmt: skip
        alias_args: list[str | int | bytes] | None = None
        if self._aliases is not None and alias_within is not None:
            # No hybrid policy: the alias index is small, RediSearch's own choice is right for it.
            alias_args = scope_search_args(self._alias_index, scope_expr, blob, k=k, ef_runtime=spec.ef_runtime,
                                           return_fields=ALIAS_FIELDS, min_created_at=min_created_at)  # fmt: skip
        with unavailable_on("vector search failed"):
            if generation is None or recount or alias_args is not None:
                raw, alias_raw, generation = await self._search_with_reads(
                    args, alias_args, scope, scope_expr, generation, recount=recount
                )
            else:
                raw, alias_raw = await self._ks.command(*args), None
            candidates = search_candidates(raw, spec.key_prefix, generation)
            if alias_raw is None or self._aliases is None or alias_within is None:
                return candidates
            found = pointers(alias_raw, generation, alias_within)
            aliased = await self._aliases.entries_of(found, generation, min_created_at)
        return merge(candidates, aliased, k) if aliased else candidates

    async def _search_with_reads(
        self,
        args: list[str | int | bytes],
        alias_args: list[str | int | bytes] | None,
        scope: Mapping[str, str],
        scope_expr: str,
        generation: int | None,
        *,
        recount: bool,
    ) -> tuple[Any, Any, int]:
        """The search, with the generation read, the scope counted and/or the aliases searched in its round
        trip: (reply, alias reply or None, generation).

        Once a minute per scope, the count that picks the hybrid policy (`hybrid_policy`) rides in the
        search's round trip: no request waits for an extra one, no background task outlives the client."""
        async with self._ks.client.pipeline(transaction=False) as pipe:
            if generation is None:
                pipe.hget(self._ks.spec.generations_key, generation_field(scope))
            if recount:
                pipe.execute_command("FT.INFO", self._ks.spec.name)
                pipe.execute_command(*count_args(self._ks.spec.name, scope_expr))
            pipe.execute_command(*args)
            if alias_args is not None:
                pipe.execute_command(*alias_args)
            replies = await pipe.execute()
        alias_raw = replies.pop() if alias_args is not None else None
        if generation is None:
            generation = number(replies[0])
        if recount:
            self._policies.remember(scope_expr, replies[-3], replies[-2], time.monotonic())
        return replies[-1], alias_raw, generation

    def known_policy(self, scope: Mapping[str, str]) -> HybridPolicy | None:
        """The hybrid policy the next search in this scope names (None: RediSearch chooses)."""
        return self._policies.known(scope_filter(scope, self._ks.spec.scope_fields), time.monotonic())[0]
