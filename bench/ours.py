"""semcache's side: the in-process cache class, the bulk fill through RedisStore, and the HTTP calls."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from bench.data import Matrix
from bench.http import Connection
from bench.services import MODEL
from semcache.cache.models import NewEntry
from semcache.cache.redis import RedisStore
from semcache.cache.semantic import SemanticCache
from semcache.config import Settings
from semcache.embeddings.factory import local_embedder
from semcache.embeddings.local import LocalEmbedder
from semcache.normalize import entry_id, normalize_text
from semcache.runtime import build_cache, index_specs, redis_client, start_reader
from semcache.verify.reader import Reader

#: The scope the gateway gives a one-message request for MODEL with the default tenant; /cache/search asks
#: with {"model": MODEL} and gets the same scope, so both routes see the same entries.
SCOPE = {"tenant": "default", "model": MODEL}


def answer_for(i: int) -> str:
    # ~450 characters: the size of a short LLM answer, so memory per entry is realistic.
    return f"Answer #{i}. " + "This is a cached completion of typical length for a short factual answer. " * 6


@dataclass
class Ours:
    settings: Settings
    client: aioredis.Redis
    embedder: LocalEmbedder
    store: RedisStore
    cache: SemanticCache
    reader: Reader | None = None

    async def close(self) -> None:
        if self.reader is not None:
            await self.reader.aclose()
        await self.embedder.aclose()
        await self.client.aclose()


async def open_ours(redis_url: str, env: dict[str, str]) -> Ours:
    """The same settings the service process gets from `env`, built in this process."""
    settings = Settings(**{k: v for k, v in env.items() if k.isupper()})  # type: ignore[arg-type]  # aliases
    embedder = local_embedder(settings)
    await embedder.start()
    client = redis_client(settings, redis_url)
    spec, _ = index_specs(settings, embedder)
    store = RedisStore(client, spec)
    await store.ensure_index()
    reader = await start_reader(settings, embedder)
    cache = build_cache(store, embedder, settings, reader)
    return Ours(settings, client, embedder, store, cache, reader)


async def fill(ours: Ours, texts: Sequence[str], vectors: Matrix, start: int, end: int) -> None:
    """Entries start..end through RedisStore.put (the service's own write path), 64 in flight (the pool size)."""
    ttl = ours.settings.cache_ttl

    async def put(i: int) -> None:
        text = normalize_text(texts[i])
        new = NewEntry(texts[i], text, answer_for(i), dict(SCOPE), 12, 90, {})
        await ours.store.put(entry_id(text, SCOPE), new, vectors[i], ttl=ttl)

    for lo in range(start, end, 64):
        await asyncio.gather(*(put(i) for i in range(lo, min(lo + 64, end))))


async def wait_indexed(client: aioredis.Redis, index: str, expected: int, *, timeout_s: float = 300) -> None:
    """Vector indexing can trail the writes (RediSearch indexes in background threads): wait for it."""
    deadline = time.monotonic() + timeout_s
    docs = 0
    while time.monotonic() < deadline:
        raw = await client.execute_command("FT.INFO", index)  # type: ignore[no-untyped-call]
        info = {(k.decode() if isinstance(k, bytes) else str(k)): v for k, v in zip(raw[::2], raw[1::2], strict=False)}
        docs = int(info.get("num_docs", 0))
        indexing = str(info.get("indexing", b"0"))
        if docs >= expected and indexing in ("0", "b'0'"):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{index}: {docs} of {expected} documents indexed after {timeout_s}s")


async def semantic_queries(ours: Ours, pairs: Sequence[tuple[str, str]]) -> list[str]:
    """The `b` prompts the cache serves as semantic hits at the current size (threshold and verifier)."""
    found = []
    for _, b in pairs:
        lookup = await ours.cache.lookup(b, SCOPE, use_exact=True)
        if lookup.hit and lookup.source == "semantic":
            found.append(b)
    return found


def inproc_call(ours: Ours, source: str) -> Callable[[str], Awaitable[bool]]:
    async def call(prompt: str) -> bool:
        lookup = await ours.cache.lookup(prompt, SCOPE)
        return lookup.hit and lookup.source == source

    return call


def search_body(prompt: str) -> bytes:
    return json.dumps({"prompt": prompt, "scope": {"model": MODEL}}).encode()


def chat_body(prompt: str, *, stream: bool = False) -> bytes:
    return json.dumps({"model": MODEL, "stream": stream, "messages": [{"role": "user", "content": prompt}]}).encode()


class HttpPool:
    """One keep-alive connection per concurrent worker, handed out round-robin by a queue."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self._free: asyncio.Queue[Connection] = asyncio.Queue()
        self._all = [Connection(host, port) for _ in range(size)]
        for c in self._all:
            self._free.put_nowait(c)

    async def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = await self._free.get()
        try:
            reply = await conn.post(path, body)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            await conn.close()
            raise
        finally:
            self._free.put_nowait(conn)
        return reply.status, reply.headers, reply.body

    async def close(self) -> None:
        for c in self._all:
            await c.close()


def search_call(pool: HttpPool, source: str) -> Callable[[str], Awaitable[bool]]:
    async def call(prompt: str) -> bool:
        status, _, body = await pool.post("/cache/search", search_body(prompt))
        if status != 200:
            return False
        match = json.loads(body).get("match")
        return bool(match) and match.get("source") == source

    return call


def gateway_call(pool: HttpPool, status_header: str) -> Callable[[str], Awaitable[bool]]:
    async def call(prompt: str) -> bool:
        status, headers, _ = await pool.post("/v1/chat/completions", chat_body(prompt))
        return status == 200 and headers.get("x-semcache-status", "") == status_header

    return call
