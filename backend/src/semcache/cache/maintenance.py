"""The index's upkeep and what /health and /cache/stats read: create, rebuild or drop the index, and the
server's state (query engine, loading, memory)."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError, ResponseError

from semcache.cache.codec import index_attributes, module_names, number, pairs, text
from semcache.cache.keyspace import Keyspace, unavailable_on
from semcache.errors import CacheUnavailableError

__all__ = ["Maintenance"]

log = logging.getLogger(__name__)


class Maintenance:
    def __init__(self, keyspace: Keyspace) -> None:
        self._ks = keyspace

    async def ensure_index(self) -> str:
        """Create the index if missing; rebuild it (keeping the data) if its schema differs."""
        spec = self._ks.spec
        with unavailable_on(f"cannot prepare index {spec.name}"):
            try:
                info = await self._ks.command("FT.INFO", spec.name)
            except ResponseError as e:
                if "unknown index" not in str(e).lower() and "no such index" not in str(e).lower():
                    raise
                await self._ks.command(*spec.create_args())
                return "created"
            if index_attributes(info) == spec.expected_attributes():
                return "exists"
            log.warning("index %s has another schema; re-creating it over the same keys", spec.name)
            await self._ks.command("FT.DROPINDEX", spec.name)
            await self._ks.command(*spec.create_args())
            return "recreated"

    async def drop_index(self) -> None:
        """Delete the index and every entry under its prefix (FT.DROPINDEX DD): what a throw-away cache (an
        eval's) leaves behind is nothing."""
        with unavailable_on(f"cannot drop index {self._ks.spec.name}"):
            await self._ks.command("FT.DROPINDEX", self._ks.spec.name, "DD")

    async def stats(self) -> dict[str, object]:
        spec = self._ks.spec
        with unavailable_on("cache stats failed"):
            info = pairs(await self._ks.command("FT.INFO", spec.name))
            counters = await self._ks.client.hgetall(spec.stats_key)
            memory = await self._ks.client.info("memory")
        return {
            "entries": number(info.get("num_docs")),
            "index": {
                "name": spec.name,
                "prefix": spec.key_prefix,
                "dims": spec.dims,
                "indexing": text(info.get("indexing")) == "1",
                "percent_indexed": float(text(info.get("percent_indexed")) or 0.0),
                "vector_index_mb": float(text(info.get("vector_index_sz_mb")) or 0.0),
                "scope_fields": list(spec.scope_fields),
            },
            "hits": number(counters.get(b"hits")),
            "misses": number(counters.get(b"misses")),
            "memory_used_bytes": int(memory.get("used_memory", 0)),
            "memory_used_human": str(memory.get("used_memory_human", "")),
        }

    # --- health: what the service needs to tell loading, full and missing-engine apart -------------------

    async def modules(self) -> set[str]:
        try:
            return module_names(await self._ks.client.module_list())
        except RedisError as e:
            raise CacheUnavailableError(f"Redis unreachable: {type(e).__name__}") from e

    async def ft_list(self) -> bool | None:
        """Whether FT._LIST answers: True, False (unknown command: no query engine), or None when an ACL
        forbids it. The capability, not a module's name, tells whether Redis runs the query engine."""
        try:
            await self._ks.command("FT._LIST")
        except ResponseError as e:
            message = str(e).lower()
            if "unknown command" in message:
                return False
            if "noperm" in message or "permission" in message:
                return None
            raise CacheUnavailableError(f"Redis: {e}") from e
        except RedisError as e:
            raise CacheUnavailableError(f"Redis unreachable: {type(e).__name__}") from e
        return True

    async def index_percent(self) -> float:
        """How much of the index is built, 0-100 (FT.INFO percent_indexed; below 100 after a restart)."""
        with unavailable_on(f"cannot read index {self._ks.spec.name}"):
            info = pairs(await self._ks.command("FT.INFO", self._ks.spec.name))
        if text(info.get("indexing")) in ("", "0"):
            return 100.0  # no background scan running (an empty new index says 0% until its scan ends)
        return 100.0 * float(text(info.get("percent_indexed")) or 0.0)

    async def loading_percent(self) -> float | None:
        """How much of its data a loading Redis has read (INFO persistence), or None when it does not say."""
        try:
            info = await self._ks.client.info("persistence")
        except (RedisError, OSError):
            return None
        if not int(info.get("loading", 0)):
            return None
        return float(info.get("loading_loaded_perc", 0.0))

    async def memory(self) -> dict[str, int | str]:
        """used_memory, maxmemory (0: no limit) and maxmemory_policy from INFO memory."""
        try:
            info = await self._ks.client.info("memory")
        except RedisError as e:
            raise CacheUnavailableError(f"Redis unreachable: {type(e).__name__}") from e
        return {
            "used_bytes": int(info.get("used_memory", 0)),
            "max_bytes": int(info.get("maxmemory", 0)),
            "policy": str(info.get("maxmemory_policy", "")),
        }
