"""Entries by id: read, write and delete one, and the namespace generations that decide whether it is served.

Content-addressed ids make the exact path one HMGET. Every method wraps redis errors in CacheUnavailableError
so callers can degrade to the LLM alone.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from semcache.cache.codec import (
    RETURN_FIELDS,
    as_vector,
    capped_ttl,
    decode_entry,
    entry_fields,
    generation_field,
    number,
    stored_entry,
)
from semcache.cache.keyspace import Keyspace, unavailable_on
from semcache.cache.models import Entry, NewEntry
from semcache.embeddings.base import Vector

__all__ = ["Entries"]


class Entries:
    def __init__(self, keyspace: Keyspace, *, ttl_max: int | None = None) -> None:
        self._ks = keyspace
        self.ttl_max = ttl_max

    async def get(self, entry_id: str) -> Entry | None:
        with unavailable_on("cache read failed"):
            values = await self._ks.client.hmget(self._ks.spec.entry_key(entry_id), list(RETURN_FIELDS))
        return None if values[2] is None else decode_entry(entry_id, dict(zip(RETURN_FIELDS, values, strict=True)))

    async def get_current(self, entry_id: str, scope: Mapping[str, str]) -> tuple[Entry | None, int]:
        """(the entry unless it is of an older generation, the current generation of its scope's namespace):
        one round trip; a lookup hands the generation on to `search`, which then needs no read of its own."""
        with unavailable_on("cache read failed"):
            async with self._ks.client.pipeline(transaction=False) as pipe:
                pipe.hmget(self._ks.spec.entry_key(entry_id), list(RETURN_FIELDS))
                pipe.hget(self._ks.spec.generations_key, generation_field(scope))
                values, current = await pipe.execute()
        generation = number(current)
        if values[2] is None:  # no response field: no entry (or it expired between calls)
            return None, generation
        entry = decode_entry(entry_id, dict(zip(RETURN_FIELDS, values, strict=True)))
        return (entry if entry.generation >= generation else None), generation

    async def put(self, entry_id: str, new: NewEntry, vector: Vector, *, ttl: int | None) -> Entry:
        ttl = capped_ttl(ttl, self.ttl_max)
        # Read before the write: a bump in between leaves this entry in the old generation (a miss).
        with unavailable_on("cache write failed"):
            generation = await self._generation(new.scope)
        now = time.time()
        mapping = entry_fields(
            new, vector, created_at=now, generation=generation, ttl=ttl, scope_fields=self._ks.spec.scope_fields
        )
        key = self._ks.spec.entry_key(entry_id)
        with unavailable_on("cache write failed"):
            async with self._ks.client.pipeline(transaction=True) as pipe:
                pipe.delete(key)  # an overwrite must not keep a TTL or fields of the old entry
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]  # redis-py's Mapping is invariant
                if ttl:
                    pipe.expire(key, ttl)
                await pipe.execute()
        return stored_entry(entry_id, new, created_at=now, generation=generation, ttl=ttl)

    async def delete(self, entry_id: str) -> bool:
        with unavailable_on("cache delete failed"):
            return bool(await self._ks.client.delete(self._ks.spec.entry_key(entry_id)))

    async def embedding(self, entry_id: str) -> Vector | None:
        with unavailable_on("cache read failed"):
            raw = await self._ks.client.hget(self._ks.spec.entry_key(entry_id), "embedding")
        return as_vector(raw)

    # --- generations: O(1) invalidation of a (tenant, namespace) ----------------------------------------

    async def bump_generation(self, scope: Mapping[str, str]) -> int:
        """O(1) invalidation of a (tenant, namespace): its entries stop matching at once and age out by TTL."""
        with unavailable_on("generation bump failed"):
            return int(await self._ks.client.hincrby(self._ks.spec.generations_key, generation_field(scope), 1))

    async def generations(self, scopes: list[Mapping[str, str]]) -> list[int]:
        """The current generation of each scope's (tenant, namespace), in one HMGET."""
        if not scopes:
            return []
        with unavailable_on("cache read failed"):
            values = await self._ks.client.hmget(self._ks.spec.generations_key, [generation_field(s) for s in scopes])
        return [number(v) for v in values]

    async def generation(self, scope: Mapping[str, str]) -> int:
        with unavailable_on("cache read failed"):
            return await self._generation(scope)

    async def _generation(self, scope: Mapping[str, str]) -> int:
        return number(await self._ks.client.hget(self._ks.spec.generations_key, generation_field(scope)))
