"""What Redis itself tells: memory, and how often HNSW finds the true nearest neighbour."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import redis.asyncio as aioredis

from bench.data import Matrix
from semcache.cache.redis import RedisStore


async def used_memory(client: aioredis.Redis) -> int:
    return int((await client.info("memory"))["used_memory"])


async def redis_version(client: aioredis.Redis) -> str:
    return str((await client.info("server")).get("redis_version", "?"))


async def recall_at_1(
    store: RedisStore, scope: dict[str, str], stored: Matrix, queries: Matrix, *, sample: int
) -> dict[str, object]:
    """HNSW top-1 (at the index's EF_RUNTIME) against exact search over the same vectors.

    Counted by distance, not id: with near-duplicate entries two ids can tie, and either is right."""
    rng = np.random.default_rng(7)
    picks = rng.choice(len(queries), size=min(sample, len(queries)), replace=False)
    found = 0
    for q in picks:
        exact = float(1.0 - np.max(stored @ queries[q]))
        got = await store.search(queries[q], scope, k=1)
        if got and got[0].distance <= exact + 1e-4:
            found += 1
    return {
        "queries": len(picks),
        "recall_at_1": round(found / max(len(picks), 1), 4),
        "ef_runtime": store.spec.ef_runtime,
    }


def perturbed(vectors: Matrix, rows: Sequence[int], *, noise: float = 0.05, seed: int = 3) -> Matrix:
    """Queries near stored entries (not on them): the case where approximate search can go wrong."""
    rng = np.random.default_rng(seed)
    picked = vectors[list(rows)] + rng.normal(0, noise, (len(rows), vectors.shape[1])).astype(np.float32)
    out: Matrix = (picked / np.linalg.norm(picked, axis=1, keepdims=True)).astype(np.float32)
    return out
