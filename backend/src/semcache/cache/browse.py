"""Many entries at once: browsing a page, exporting all, and deleting by filter, scope or pattern."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping

from redis.exceptions import RedisError, ResponseError

from semcache.cache.codec import RETURN_FIELDS, as_vector, decode_entry, matches, pairs, text, ttl_or_none
from semcache.cache.keyspace import Keyspace, unavailable_on
from semcache.cache.models import Entry
from semcache.cache.query import browse_args, count_args, entries_filter, ids_args
from semcache.embeddings.base import Vector
from semcache.errors import BadRequestError, CacheUnavailableError

__all__ = ["Browser"]

#: Keys per UNLINK when clearing.
_UNLINK_BATCH = 500


class Browser:
    def __init__(self, keyspace: Keyspace) -> None:
        self._ks = keyspace

    async def browse(
        self, filter_expr: str, *, sort: str, offset: int, limit: int
    ) -> tuple[int, list[tuple[Entry, int | None]]]:
        """(how many match, one page of (entry, seconds of TTL left or None)), sorted by `query.SORTS[sort]`."""
        spec = self._ks.spec
        fields = [f for f in RETURN_FIELDS if f not in ("text",)]
        try:
            async with self._ks.client.pipeline(transaction=False) as pipe:
                pipe.execute_command(*count_args(spec.name, filter_expr))
                pipe.execute_command(
                    *browse_args(spec.name, filter_expr, sort=sort, offset=offset, limit=limit, fields=fields)
                )
                counted, rows = await pipe.execute()
            page: list[Entry] = []
            for row in rows[1:]:
                values = pairs(row)
                if "response" in values:  # expired between the sort and the load
                    page.append(decode_entry(text(values.get("__key")).removeprefix(spec.key_prefix), values))
            ttls = await self._ttls([e.id for e in page])
        except ResponseError as e:
            # Redis is up and refused this query (e.g. a sort over too many entries timed out): the caller's
            # query to narrow, not a reason to take the cache out of service.
            raise BadRequestError(f"Redis refused the listing ({e}); narrow the filters") from e
        except RedisError as e:
            raise CacheUnavailableError(f"cache browse failed: {e}") from e
        return int(counted[0]), list(zip(page, ttls, strict=True))

    async def _ttls(self, entry_ids: list[str]) -> list[int | None]:
        async with self._ks.client.pipeline(transaction=False) as pipe:
            for entry_id in entry_ids:
                pipe.ttl(self._ks.spec.entry_key(entry_id))
            replies = await pipe.execute()
        return [ttl_or_none(t) for t in replies]

    async def ttl_left(self, entry_id: str) -> int | None:
        with unavailable_on("cache read failed"):
            return (await self._ttls([entry_id]))[0]

    async def dump(
        self, *, tenant: str | None, vectors: bool, batch: int = 200
    ) -> AsyncIterator[tuple[Entry, Vector | None, int | None]]:
        """Every live entry (of one tenant, or all), with its vector if asked and its TTL left: a SCAN, so
        it reaches every key however many there are, in batches of one pipelined round trip each."""
        fields = [*RETURN_FIELDS, "embedding"] if vectors else list(RETURN_FIELDS)
        keys: list[bytes] = []
        with unavailable_on("cache export failed"):
            async for key in self._scan_keys():
                keys.append(key)
                if len(keys) >= batch:
                    async for item in self._dump_batch(keys, fields, tenant):
                        yield item
                    keys = []
            async for item in self._dump_batch(keys, fields, tenant):
                yield item

    async def _dump_batch(
        self, keys: list[bytes], fields: list[str], tenant: str | None
    ) -> AsyncIterator[tuple[Entry, Vector | None, int | None]]:
        if not keys:
            return
        async with self._ks.client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(key, fields)
                pipe.ttl(key)
            replies = await pipe.execute()
        for i, key in enumerate(keys):
            values, ttl = replies[2 * i], int(replies[2 * i + 1])
            row = dict(zip(fields, values, strict=True))
            if row["response"] is None or ttl == -2:  # expired between the SCAN and the read
                continue
            entry = decode_entry(text(key).removeprefix(self._ks.spec.key_prefix), row)
            if tenant is not None and entry.scope.get("tenant") != tenant:
                continue
            yield entry, as_vector(row.get("embedding")), ttl_or_none(ttl)

    async def delete_where(
        self,
        *,
        scope: Mapping[str, str],
        tags: tuple[str, ...] = (),
        older_than_s: float | None = None,
        batch: int = 500,
    ) -> int:
        """Delete the entries matching given scope values, all given tags and/or an age, through the index
        (one query per batch, no scan). Returns how many were deleted."""
        created_before = time.time() - older_than_s if older_than_s is not None else None
        filter_expr = entries_filter(scope=scope, tags=tags, created_before=created_before)
        deleted = 0
        with unavailable_on("cache delete failed"):
            while True:
                raw = await self._ks.command(*ids_args(self._ks.spec.name, filter_expr, batch=batch))
                keys = [text(k) for k in raw[1:]]
                if not keys:
                    return deleted
                removed = int(await self._ks.client.unlink(*keys))
                deleted += removed
                if removed == 0:  # listed by the index but gone already: do not spin on stale results
                    return deleted

    async def clear(self, *, scope: Mapping[str, str] | None = None, pattern: str | None = None) -> int:
        """Delete every entry, or those in a scope (exact match on the given fields) and/or whose prompt
        matches a glob pattern (case-insensitive). Returns how many were deleted."""
        deleted = 0
        with unavailable_on("cache clear failed"):
            batch: list[bytes] = []
            async for key in self._scan_keys():
                if scope or pattern:
                    fields = await self._ks.client.hmget(key, ["scope_json", "prompt"])
                    if not matches(fields, scope, pattern):
                        continue
                batch.append(key)
                if len(batch) >= _UNLINK_BATCH:
                    deleted += await self._ks.client.unlink(*batch)
                    batch = []
            if batch:
                deleted += await self._ks.client.unlink(*batch)
            if not scope and not pattern:
                await self._ks.client.delete(self._ks.spec.stats_key)
        return deleted

    async def _scan_keys(self) -> AsyncIterator[bytes]:
        async for key in self._ks.client.scan_iter(match=self._ks.spec.key_prefix + "*", count=1000, _type="HASH"):
            yield key
