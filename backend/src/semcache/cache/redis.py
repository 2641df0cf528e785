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
    HybridPolicy,
    browse_args,
    count_args,
    encode_tag,
    entries_filter,
    hybrid_policy,
    ids_args,
    knn_search_args,
    scope_filter,
    with_min_created,
)
from semcache.cache.schema import IndexSpec
from semcache.embeddings.base import Vector
from semcache.errors import BadRequestError, CacheUnavailableError

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
    "tags",
    "gen",
    "ttl",
    "last_hit_at",
    "last_similarity",
)

# One hit, counted where it happened: the entry's own counters and, with a sliding TTL, its expiry renewed
# to the TTL it was stored with, but never past created_at + CACHE_TTL_MAX. One call, off the request's path
# (SemanticCache counts hits in the background), so sliding adds no round trip to a hit. A missing entry is
# left alone: HINCRBY on it would create a TTL-less orphan.
_HIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'hits', 1)
redis.call('HSET', KEYS[1], 'last_hit_at', ARGV[1], 'last_similarity', ARGV[2])
if ARGV[3] == '1' then
  local ttl = tonumber(redis.call('HGET', KEYS[1], 'ttl') or '')
  if ttl and ttl > 0 then
    local cap = tonumber(ARGV[4]) or 0
    if cap > 0 then
      local created = tonumber(redis.call('HGET', KEYS[1], 'created_at') or '') or 0
      ttl = math.min(ttl, math.floor(created + cap - tonumber(ARGV[1])))
    end
    if ttl > redis.call('TTL', KEYS[1]) then redis.call('EXPIRE', KEYS[1], ttl) end
  end
end
return 1
"""


#: How long a scope's share of the index is trusted before it is counted again.
SCOPE_COUNT_TTL_S = 60.0
#: Beyond this many remembered scopes the memory starts over (a count is cheap to redo).
_MAX_SCOPES = 10_000


def _s(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _opt_float(value: object) -> float | None:
    text = _s(value)
    return float(text) if text else None


def _entry(entry_id: str, fields: Mapping[str, object]) -> Entry:
    tags = _s(fields.get("tags"))
    ttl = _s(fields.get("ttl"))
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
        tags=tuple(tags.split(",")) if tags else (),
        generation=int(_s(fields.get("gen")) or 0),
        ttl=int(ttl) if ttl and ttl != "0" else None,
        last_hit_at=_opt_float(fields.get("last_hit_at")),
        last_similarity=_opt_float(fields.get("last_similarity")),
    )


def generation_field(scope: Mapping[str, str]) -> str:
    """The field of a (tenant, namespace) in the generations HASH; a unit separator occurs in neither."""
    return f"{scope.get('tenant', '')}\x1f{scope.get('namespace', '')}"


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

    def __init__(
        self, client: aioredis.Redis, spec: IndexSpec, *, sliding_ttl: bool = False, ttl_max: int | None = None
    ) -> None:
        self.client = client
        self.spec = spec
        self.sliding_ttl = sliding_ttl
        self.ttl_max = ttl_max
        # filter expression -> (hybrid policy, monotonic time the count goes stale)
        self._policies: dict[str, tuple[HybridPolicy | None, float]] = {}

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

    async def get(self, entry_id: str, *, scope: Mapping[str, str] | None = None) -> Entry | None:
        """The entry, or None. With `scope` (a lookup), an entry of an older generation of that scope's
        namespace is None too."""
        if scope is None:
            try:
                values = await self.client.hmget(self.spec.entry_key(entry_id), list(_RETURN))
            except RedisError as e:
                raise CacheUnavailableError(f"cache read failed: {e}") from e
            return None if values[2] is None else _entry(entry_id, dict(zip(_RETURN, values, strict=True)))
        return (await self.get_current(entry_id, scope))[0]

    async def get_current(self, entry_id: str, scope: Mapping[str, str]) -> tuple[Entry | None, int]:
        """(the entry unless it is of an older generation, the current generation of its scope's namespace):
        one round trip; a lookup hands the generation on to `search`, which then needs no read of its own."""
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.hmget(self.spec.entry_key(entry_id), list(_RETURN))
                pipe.hget(self.spec.generations_key, generation_field(scope))
                values, current = await pipe.execute()
        except RedisError as e:
            raise CacheUnavailableError(f"cache read failed: {e}") from e
        generation = int(_s(current) or 0)
        if values[2] is None:  # no response field: no entry (or it expired between calls)
            return None, generation
        entry = _entry(entry_id, dict(zip(_RETURN, values, strict=True)))
        return (entry if entry.generation >= generation else None), generation

    async def search(
        self,
        vector: Vector,
        scope: Mapping[str, str],
        *,
        k: int,
        min_created_at: float | None = None,
        generation: int | None = None,
    ) -> list[Candidate]:
        """The k nearest entries in the scope, skipping those of an older generation of its namespace (read
        in the same round trip unless the caller already has it)."""
        scope_expr = scope_filter(scope, self.spec.scope_fields)
        filter_expr = with_min_created(scope_expr, min_created_at)
        policy, recount = self._known_policy(scope_expr)
        args = knn_search_args(
            self.spec.name,
            filter_expr,
            np.asarray(vector, dtype=np.float32).tobytes(),
            k=k,
            ef_runtime=self.spec.ef_runtime,
            return_fields=_RETURN,
            # An age limit can shrink the scope to a sliver, which batches handle badly: RediSearch decides.
            policy=policy if min_created_at is None else None,
        )
        try:
            if generation is None or recount:
                # Once a minute per scope, the count that picks the hybrid policy (`hybrid_policy`) rides in
                # the search's round trip: no request waits for an extra one, no background task outlives
                # the client.
                async with self.client.pipeline(transaction=False) as pipe:
                    if generation is None:
                        pipe.hget(self.spec.generations_key, generation_field(scope))
                    if recount:
                        pipe.execute_command("FT.INFO", self.spec.name)
                        pipe.execute_command(*count_args(self.spec.name, scope_expr))
                    pipe.execute_command(*args)
                    replies = await pipe.execute()
                raw = replies[-1]
                if generation is None:
                    generation = int(_s(replies[0]) or 0)
                if recount:
                    self._remember(scope_expr, replies[-3], replies[-2])
            else:
                raw = await self._cmd(*args)
        except RedisError as e:
            raise CacheUnavailableError(f"vector search failed: {e}") from e
        candidates = []
        for i in range(1, len(raw) - 1, 2):
            key, fields = _s(raw[i]), _pairs(raw[i + 1])
            # A key can expire between the KNN and the field load; it then comes back without fields.
            if "response" not in fields or int(_s(fields.get("gen")) or 0) < generation:
                continue
            entry_id = key.removeprefix(self.spec.key_prefix)
            candidates.append(Candidate(_entry(entry_id, fields), float(_s(fields["distance"]))))
        return candidates

    def known_policy(self, scope: Mapping[str, str]) -> HybridPolicy | None:
        """The hybrid policy the next search in this scope names (None: RediSearch chooses)."""
        return self._known_policy(scope_filter(scope, self.spec.scope_fields))[0]

    def _known_policy(self, scope_expr: str) -> tuple[HybridPolicy | None, bool]:
        """The KNN hybrid policy from the scope's last count, and whether to count it again now."""
        known = self._policies.get(scope_expr)
        if known is None:
            return None, True
        return known[0], known[1] <= time.monotonic()

    def _remember(self, scope_expr: str, info: Any, matched: Any) -> None:
        try:
            policy = hybrid_policy(int(matched[0]), int(_s(_pairs(info).get("num_docs")) or 0))
        except (ValueError, IndexError, TypeError):
            policy = None  # an unexpected reply shape: RediSearch keeps choosing
        if len(self._policies) >= _MAX_SCOPES:
            self._policies.clear()
        self._policies[scope_expr] = (policy, time.monotonic() + SCOPE_COUNT_TTL_S)

    async def put(self, entry_id: str, new: NewEntry, vector: Vector, *, ttl: int | None) -> Entry:
        if self.ttl_max is not None:  # CACHE_TTL_MAX: the longest any entry lives, sliding or not
            ttl = min(ttl, self.ttl_max) if ttl else self.ttl_max
        try:
            # Read before the write: a bump in between leaves this entry in the old generation (a miss).
            generation = int(_s(await self.client.hget(self.spec.generations_key, generation_field(new.scope))) or 0)
        except RedisError as e:
            raise CacheUnavailableError(f"cache write failed: {e}") from e
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
            "tags": ",".join(new.tags),
            "gen": generation,
            "ttl": ttl or 0,
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
            tags=new.tags,
            generation=generation,
            ttl=ttl or None,
        )

    async def record_hit(self, entry_id: str, similarity: float = 1.0) -> None:
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.hincrby(self.spec.stats_key, "hits", 1)
                pipe.eval(
                    _HIT,
                    1,
                    self.spec.entry_key(entry_id),
                    f"{time.time():.6f}",
                    f"{similarity:.6f}",
                    "1" if self.sliding_ttl else "0",
                    self.ttl_max or 0,
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

    # --- browsing and invalidation ---------------------------------------------------------------------

    async def browse(
        self, filter_expr: str, *, sort: str, offset: int, limit: int
    ) -> tuple[int, list[tuple[Entry, int | None]]]:
        """(how many match, one page of (entry, seconds of TTL left or None)), sorted by `query.SORTS[sort]`."""
        fields = [f for f in _RETURN if f not in ("text",)]
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.execute_command("FT.SEARCH", self.spec.name, filter_expr, "LIMIT", 0, 0, "DIALECT", 2)
                pipe.execute_command(
                    *browse_args(self.spec.name, filter_expr, sort=sort, offset=offset, limit=limit, fields=fields)
                )
                counted, rows = await pipe.execute()
            page: list[Entry] = []
            for row in rows[1:]:
                values = _pairs(row)
                if "response" in values:  # expired between the sort and the load
                    page.append(_entry(_s(values.get("__key")).removeprefix(self.spec.key_prefix), values))
            ttls = await self._ttls([e.id for e in page])
        except ResponseError as e:
            # Redis is up and refused this query (e.g. a sort over too many entries timed out): the caller's
            # query to narrow, not a reason to take the cache out of service.
            raise BadRequestError(f"Redis refused the listing ({e}); narrow the filters") from e
        except RedisError as e:
            raise CacheUnavailableError(f"cache browse failed: {e}") from e
        return int(counted[0]), list(zip(page, ttls, strict=True))

    async def _ttls(self, entry_ids: list[str]) -> list[int | None]:
        async with self.client.pipeline(transaction=False) as pipe:
            for entry_id in entry_ids:
                pipe.ttl(self.spec.entry_key(entry_id))
            replies = await pipe.execute()
        return [int(t) if int(t) >= 0 else None for t in replies]

    async def ttl_left(self, entry_id: str) -> int | None:
        try:
            return (await self._ttls([entry_id]))[0]
        except RedisError as e:
            raise CacheUnavailableError(f"cache read failed: {e}") from e

    async def embedding(self, entry_id: str) -> Vector | None:
        try:
            raw = await self.client.hget(self.spec.entry_key(entry_id), "embedding")
        except RedisError as e:
            raise CacheUnavailableError(f"cache read failed: {e}") from e
        return None if not isinstance(raw, bytes) else np.frombuffer(raw, dtype=np.float32)

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
        try:
            while True:
                raw = await self._cmd(*ids_args(self.spec.name, filter_expr, batch=batch))
                keys = [_s(k) for k in raw[1:]]
                if not keys:
                    return deleted
                removed = int(await self.client.unlink(*keys))
                deleted += removed
                if removed == 0:  # listed by the index but gone already: do not spin on stale results
                    return deleted
        except RedisError as e:
            raise CacheUnavailableError(f"cache delete failed: {e}") from e

    async def dump(
        self, *, tenant: str | None, vectors: bool, batch: int = 200
    ) -> AsyncIterator[tuple[Entry, Vector | None, int | None]]:
        """Every live entry (of one tenant, or all), with its vector if asked and its TTL left: a SCAN, so
        it reaches every key however many there are, in batches of one pipelined round trip each."""
        fields = [*_RETURN, "embedding"] if vectors else list(_RETURN)
        keys: list[bytes] = []
        try:
            async for key in self._scan_keys():
                keys.append(key)
                if len(keys) >= batch:
                    async for item in self._dump_batch(keys, fields, tenant):
                        yield item
                    keys = []
            async for item in self._dump_batch(keys, fields, tenant):
                yield item
        except RedisError as e:
            raise CacheUnavailableError(f"cache export failed: {e}") from e

    async def _dump_batch(
        self, keys: list[bytes], fields: list[str], tenant: str | None
    ) -> AsyncIterator[tuple[Entry, Vector | None, int | None]]:
        if not keys:
            return
        async with self.client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(key, fields)
                pipe.ttl(key)
            replies = await pipe.execute()
        for i, key in enumerate(keys):
            values, ttl = replies[2 * i], int(replies[2 * i + 1])
            row = dict(zip(fields, values, strict=True))
            if row["response"] is None or ttl == -2:  # expired between the SCAN and the read
                continue
            entry = _entry(_s(key).removeprefix(self.spec.key_prefix), row)
            if tenant is not None and entry.scope.get("tenant") != tenant:
                continue
            blob = row.get("embedding")
            vector = np.frombuffer(blob, dtype=np.float32) if isinstance(blob, bytes) else None
            yield entry, vector, ttl if ttl >= 0 else None

    async def bump_generation(self, scope: Mapping[str, str]) -> int:
        """O(1) invalidation of a (tenant, namespace): its entries stop matching at once and age out by TTL."""
        try:
            return int(await self.client.hincrby(self.spec.generations_key, generation_field(scope), 1))
        except RedisError as e:
            raise CacheUnavailableError(f"generation bump failed: {e}") from e

    async def generations(self, scopes: list[Mapping[str, str]]) -> list[int]:
        """The current generation of each scope's (tenant, namespace), in one HMGET."""
        if not scopes:
            return []
        try:
            values = await self.client.hmget(self.spec.generations_key, [generation_field(s) for s in scopes])
        except RedisError as e:
            raise CacheUnavailableError(f"cache read failed: {e}") from e
        return [int(_s(v) or 0) for v in values]

    async def generation(self, scope: Mapping[str, str]) -> int:
        try:
            return int(_s(await self.client.hget(self.spec.generations_key, generation_field(scope))) or 0)
        except RedisError as e:
            raise CacheUnavailableError(f"cache read failed: {e}") from e

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

    # --- health: what the service needs to tell loading, full and missing-engine apart -------------------

    async def ft_list(self) -> bool | None:
        """Whether FT._LIST answers: True, False (unknown command: no query engine), or None when an ACL
        forbids it. The capability, not a module's name, tells whether Redis runs the query engine."""
        try:
            await self._cmd("FT._LIST")
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
        try:
            info = _pairs(await self._cmd("FT.INFO", self.spec.name))
        except RedisError as e:
            raise CacheUnavailableError(f"cannot read index {self.spec.name}: {e}") from e
        if _s(info.get("indexing")) in ("", "0"):
            return 100.0  # no background scan running (an empty new index says 0% until its scan ends)
        return 100.0 * float(_s(info.get("percent_indexed")) or 0.0)

    async def loading_percent(self) -> float | None:
        """How much of its data a loading Redis has read (INFO persistence), or None when it does not say."""
        try:
            info = await self.client.info("persistence")
        except (RedisError, OSError):
            return None
        if not int(info.get("loading", 0)):
            return None
        return float(info.get("loading_loaded_perc", 0.0))

    async def memory(self) -> dict[str, int | str]:
        """used_memory, maxmemory (0: no limit) and maxmemory_policy from INFO memory."""
        try:
            info = await self.client.info("memory")
        except RedisError as e:
            raise CacheUnavailableError(f"Redis unreachable: {type(e).__name__}") from e
        return {
            "used_bytes": int(info.get("used_memory", 0)),
            "max_bytes": int(info.get("maxmemory", 0)),
            "policy": str(info.get("maxmemory_policy", "")),
        }


def _matches(fields: list[Any], scope: Mapping[str, str] | None, pattern: str | None) -> bool:
    scope_json, prompt = _s(fields[0]), _s(fields[1])
    if scope:
        stored = json.loads(scope_json or "{}")
        if any(stored.get(k, "") != v for k, v in scope.items()):
            return False
    return not pattern or fnmatch.fnmatch(prompt.casefold(), pattern.casefold())
