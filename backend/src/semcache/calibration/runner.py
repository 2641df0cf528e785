"""The I/O edge of the eval: a real cache (Redis + embedder, as the service builds them), filled with every
`a` of a file and queried with every `b` through `SemanticCache.lookup`, the path `/cache/search` takes.

The lookups use the loosest threshold and no verifier, so the returned candidates let `metrics` replay the
cache's decision at any threshold and with any verifier, offline and identically.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from semcache.cache.redis import RedisStore
from semcache.cache.semantic import SemanticCache, embed_keys
from semcache.calibration.labels import Equivalence
from semcache.calibration.metrics import Observed
from semcache.calibration.pairs import Pair
from semcache.config import Settings
from semcache.embeddings.base import Embedder, Vector
from semcache.embeddings.factory import start_embedder
from semcache.local.redis import EmbeddedRedis
from semcache.normalize import entry_id, normalize_text
from semcache.runtime import index_specs, redis_client

__all__ = ["Bench", "observe", "open_bench"]

#: Embedding batch for the puts; concurrent lookups keep the embedder's model threads busy on their own.
_PUT_BATCH = 256
#: In-flight puts/lookups: enough to keep every model thread fed, well under the client's connection pool.
_CONCURRENCY = 48


@dataclass
class Bench:
    """A cache over a fresh key prefix, so an eval never sees (or pollutes) served entries."""

    cache: SemanticCache
    store: RedisStore
    embedder: Embedder
    top_k: int


@asynccontextmanager
async def open_bench(settings: Settings) -> AsyncIterator[Bench]:
    settings = settings.model_copy(update={"cache_prefix": f"eval{uuid.uuid4().hex[:12]}"})
    embedded: EmbeddedRedis | None = None
    with tempfile.TemporaryDirectory(prefix="semcache-eval-") as tmp:
        if settings.redis_url is None:
            embedded = EmbeddedRedis(Path(tmp) / "redis")
            url = await embedded.start()
        else:
            url = settings.redis_url.get_secret_value()
        client = redis_client(settings, url)
        embedder = await start_embedder(settings)
        try:
            spec, _ = index_specs(settings, embedder)
            store = RedisStore(client, spec)
            await store.ensure_index()
            # Loosest threshold, no verifier: the candidates carry everything needed to replay any setting.
            cache = SemanticCache(store, embedder, distance_threshold=2.0, top_k=settings.cache_top_k)
            yield Bench(cache, store, embedder, settings.cache_top_k)
            # Deletes the index and every key under its prefix: an external Redis is left as found.
            await store.drop_index()
        finally:
            await embedder.aclose()
            await client.aclose()
            if embedded is not None:
                await embedded.stop()


async def observe(bench: Bench, pairs: Sequence[Pair], scope: dict[str, str],
                  labels: Equivalence | None = None) -> list[Observed]:  # fmt: skip
    """Store every distinct `a` (answer: its own id), then look up every `b`. `labels` judge which returned
    prompt is right (default: `pairs` alone; see `eval.observe_file` for why more labels than looked up)."""
    prompts = list(dict.fromkeys(p.a for p in pairs))
    labels = labels if labels is not None else Equivalence(pairs)
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def put(a: str, vector: Vector) -> None:
        async with gate:
            await bench.cache.put(a, f"answer:{entry_id(normalize_text(a), scope)}", scope, ttl=None, vector=vector)

    for start in range(0, len(prompts), _PUT_BATCH):
        chunk = prompts[start : start + _PUT_BATCH]
        vectors = await embed_keys(bench.embedder, chunk)  # the vectors `SemanticCache.put` would store
        await asyncio.gather(*(put(a, v) for a, v in zip(chunk, vectors, strict=True)))

    async def one(pair: Pair) -> Observed:
        async with gate:
            found = await bench.cache.lookup(pair.b, scope, top_k=bench.top_k)
        exact = found.match if found.source == "exact" else None
        returned = tuple(found.candidates) if exact is None else ()
        right = frozenset(c.entry.id for c in (*returned, *found.candidates) if labels.same(pair.b, c.entry.prompt))
        return Observed(pair.b, pair.same, exact, returned, right)

    return list(await asyncio.gather(*(one(p) for p in pairs)))
