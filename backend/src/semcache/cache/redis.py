"""The only module that speaks FT.* and writes cache keys.

Every method wraps redis errors in CacheUnavailableError so callers can degrade to the LLM alone.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import numpy as np
import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from semcache.cache.models import Candidate, Entry, NewEntry
from semcache.cache.query import (
    encode_tag,
    knn_search_args,
    scope_filter,
    with_min_created,
)
from semcache.cache.schema import IndexSpec
from semcache.embeddings.base import Vector
from semcache.errors import CacheUnavailableError

log = logging.getLogger(__name__)

_RETURN = (
    "prompt",
    "text",
    "response",
    "scope_json",
    "created_at",
    "hits",
    "prompt_tokens",
    "completion_tokens",
    "metadata",
)


def _s(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _entry(entry_id: str, fields: Mapping[str, object]) -> Entry:
    return Entry(
        id=entry_id,
        prompt=_s(fields.get("prompt")),
        text=_s(fields.get("text")),
        response=_s(fields.get("response")),
        scope=json.loads(_s(fields.get("scope_json")) or "{}"),
        created_at=float(_s(fields.get("created_at")) or 0.0),
        hits=int(_s(fields.get("hits")) or 0),
        prompt_tokens=int(_s(fields.get("prompt_tokens")) or 0),
        completion_tokens=int(_s(fields.get("completion_tokens")) or 0),
        metadata=json.loads(_s(fields.get("metadata")) or "{}"),
    )


def module_names(raw: list[Any]) -> set[str]:
    """Names from MODULE LIST, whichever shape the client parsed it into."""
    names: set[str] = set()
    for module in raw:
        fields = _pairs(module)  # keys decoded, whether the client gave a dict or a flat list
        names.add(_s(fields.get("name")))
    return names


def _pairs(flat: Any) -> dict[str, object]:
    """A RESP2 flat list of name/value pairs as a dict (redis-py already parses some replies to dicts)."""
    if isinstance(flat, dict):
        return {_s(k): v for k, v in flat.items()}
    return {_s(flat[i]): flat[i + 1] for i in range(0, len(flat) - 1, 2)}


class RedisStore:
    """Cache entries in HASHes under one index. Content-addressed ids make the exact path one HMGET."""

    def __init__(self, client: aioredis.Redis, spec: IndexSpec) -> None:
        self.client = client
        self.spec = spec

    async def _cmd(self, *args: str | int | bytes) -> Any:
        # FT.* have no typed wrappers that return raw replies; this is the one untyped call site.
        return await self.client.execute_command(*args)  # type: ignore[no-untyped-call]

    async def ensure_index(self) -> str:
        """Create the index if missing; rebuild it (keeping the data) if its schema differs."""
        try:
            try:
                info = await self._cmd("FT.INFO", self.spec.name)
            except ResponseError as e:
                if "unknown index" not in str(e).lower() and "no such index" not in str(e).lower():
                    raise
                await self._cmd(*self.spec.create_args())
                return "created"
            if self._attributes(info) == self.spec.expected_attributes():
                return "exists"
            log.warning("index %s has another schema; re-creating it over the same keys", self.spec.name)
            await self._cmd("FT.DROPINDEX", self.spec.name)
            await self._cmd(*self.spec.create_args())
            return "recreated"
        except RedisError as e:
            raise CacheUnavailableError(f"cannot prepare index {self.spec.name}: {e}") from e

    @staticmethod
    def _attributes(info: list[Any]) -> set[str]:
        attrs = _pairs(info).get("attributes", [])
        names: set[str] = set()
        for attr in attrs if isinstance(attrs, list) else []:
            fields = _pairs(attr)
            names.add(_s(fields.get("attribute") or fields.get("identifier")))
        return names

    async def modules(self) -> set[str]:
        try:
            return module_names(await self.client.module_list())
        except RedisError as e:
            raise CacheUnavailableError(f"Redis unreachable: {type(e).__name__}") from e

    async def get(self, entry_id: str) -> Entry | None:
        try:
            values = await self.client.hmget(self.spec.entry_key(entry_id), list(_RETURN))
        except RedisError as e:
            raise CacheUnavailableError(f"cache read failed: {e}") from e
        if values[2] is None:  # no response field: no entry (or it expired between calls)
            return None
        return _entry(entry_id, dict(zip(_RETURN, values, strict=True)))

    async def search(
        self, vector: Vector, scope: Mapping[str, str], *, k: int, min_created_at: float | None = None
    ) -> list[Candidate]:
        filter_expr = with_min_created(scope_filter(scope, self.spec.scope_fields), min_created_at)
        args = knn_search_args(
            self.spec.name,
            filter_expr,
            np.asarray(vector, dtype=np.float32).tobytes(),
            k=k,
            ef_runtime=self.spec.ef_runtime,
            return_fields=_RETURN,
        )
        try:
            raw = await self._cmd(*args)
        except RedisError as e:
            raise CacheUnavailableError(f"vector search failed: {e}") from e
        candidates = []
        for i in range(1, len(raw) - 1, 2):
            key, fields = _s(raw[i]), _pairs(raw[i + 1])
            # A key can expire between the KNN and the field load; it then comes back without fields.
            if "response" not in fields:
                continue
            entry_id = key.removeprefix(self.spec.key_prefix)
            candidates.append(Candidate(_entry(entry_id, fields), float(_s(fields["distance"]))))
        return candidates

    async def put(self, entry_id: str, new: NewEntry, vector: Vector, *, ttl: int | None) -> Entry:
        now = time.time()
        mapping: dict[str | bytes, str | bytes | float | int] = {
            "prompt": new.prompt,
            "text": new.text,
            "response": new.response,
            "embedding": np.asarray(vector, dtype=np.float32).tobytes(),
            "scope_json": json.dumps(new.scope, sort_keys=True),
            "created_at": now,
            "hits": 0,
            "prompt_tokens": new.prompt_tokens,
            "completion_tokens": new.completion_tokens,
            "metadata": json.dumps(new.metadata),
        }
        for name in self.spec.scope_fields:
            mapping[name] = encode_tag(new.scope.get(name, ""))
        key = self.spec.entry_key(entry_id)
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.delete(key)  # an overwrite must not keep a TTL or fields of the old entry
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]  # redis-py's Mapping is invariant
                if ttl:
                    pipe.expire(key, ttl)
                await pipe.execute()
        except RedisError as e:
            raise CacheUnavailableError(f"cache write failed: {e}") from e
        return Entry(
            entry_id,
            new.prompt,
            new.text,
            new.response,
            dict(new.scope),
            now,
            0,
            new.prompt_tokens,
            new.completion_tokens,
            dict(new.metadata),
        )

    async def record_hit(self, entry_id: str) -> None:
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.hincrby(self.spec.stats_key, "hits", 1)
                # HINCRBY on a missing key would create a TTL-less orphan: only bump live entries.
                pipe.eval(
                    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HINCRBY', KEYS[1], 'hits', 1) end",
                    1,
                    self.spec.entry_key(entry_id),
                )
                await pipe.execute()
        except RedisError as e:
            raise CacheUnavailableError(f"hit count failed: {e}") from e

    async def record_miss(self) -> None:
        try:
            await self.client.hincrby(self.spec.stats_key, "misses", 1)
        except RedisError as e:
            raise CacheUnavailableError(f"miss count failed: {e}") from e

    # --- single flight across replicas: a short lock per entry id while its answer is generated ---------

    def _flight_key(self, entry_id: str) -> str:
        return f"{self.spec.stats_key.removesuffix(':stats')}:flight:{entry_id}"

    async def acquire_flight(self, entry_id: str, token: str, *, ttl_ms: int) -> bool:
        try:
            return bool(await self.client.set(self._flight_key(entry_id), token, nx=True, px=ttl_ms))
        except RedisError as e:
            raise CacheUnavailableError(f"flight lock failed: {e}") from e

    async def flight_held(self, entry_id: str) -> bool:
        try:
            return bool(await self.client.exists(self._flight_key(entry_id)))
        except RedisError as e:
            raise CacheUnavailableError(f"flight lock check failed: {e}") from e

    async def release_flight(self, entry_id: str, token: str) -> None:
        # Only the holder may release: a leader that outlived its lock must not free a successor's.
        script = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
        try:
            await self.client.eval(script, 1, self._flight_key(entry_id), token)
        except RedisError as e:
            raise CacheUnavailableError(f"flight unlock failed: {e}") from e

    async def delete(self, entry_id: str) -> bool:
        try:
            return bool(await self.client.delete(self.spec.entry_key(entry_id)))
        except RedisError as e:
            raise CacheUnavailableError(f"cache delete failed: {e}") from e

    async def _scan_keys(self) -> AsyncIterator[bytes]:
        async for key in self.client.scan_iter(match=self.spec.key_prefix + "*", count=1000, _type="HASH"):
            yield key

    async def clear(self, *, scope: Mapping[str, str] | None = None, pattern: str | None = None) -> int:
        """Delete every entry, or those in a scope (exact match on the given fields) and/or whose prompt
        matches a glob pattern (case-insensitive). Returns how many were deleted."""
        deleted = 0
        try:
            batch: list[bytes] = []
            async for key in self._scan_keys():
                if scope or pattern:
                    fields = await self.client.hmget(key, ["scope_json", "prompt"])
                    if not _matches(fields, scope, pattern):
                        continue
                batch.append(key)
                if len(batch) >= 500:
                    deleted += await self.client.unlink(*batch)
                    batch = []
            if batch:
                deleted += await self.client.unlink(*batch)
            if not scope and not pattern:
                await self.client.delete(self.spec.stats_key)
        except RedisError as e:
            raise CacheUnavailableError(f"cache clear failed: {e}") from e
        return deleted

    async def stats(self) -> dict[str, object]:
        try:
            info = _pairs(await self._cmd("FT.INFO", self.spec.name))
            counters = await self.client.hgetall(self.spec.stats_key)
            memory = await self.client.info("memory")
        except RedisError as e:
            raise CacheUnavailableError(f"cache stats failed: {e}") from e
        return {
            "entries": int(_s(info.get("num_docs")) or 0),
            "index": {
                "name": self.spec.name,
                "prefix": self.spec.key_prefix,
                "dims": self.spec.dims,
                "indexing": _s(info.get("indexing")) == "1",
                "percent_indexed": float(_s(info.get("percent_indexed")) or 0.0),
                "vector_index_mb": float(_s(info.get("vector_index_sz_mb")) or 0.0),
                "scope_fields": list(self.spec.scope_fields),
            },
            "hits": int(_s(counters.get(b"hits")) or 0),
            "misses": int(_s(counters.get(b"misses")) or 0),
            "memory_used_bytes": int(memory.get("used_memory", 0)),
            "memory_used_human": str(memory.get("used_memory_human", "")),
        }


def _matches(fields: list[Any], scope: Mapping[str, str] | None, pattern: str | None) -> bool:
    scope_json, prompt = _s(fields[0]), _s(fields[1])
    if scope:
        stored = json.loads(scope_json or "{}")
        if any(stored.get(k, "") != v for k, v in scope.items()):
            return False
    return not pattern or fnmatch.fnmatch(prompt.casefold(), pattern.casefold())
