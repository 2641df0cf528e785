"""What Redis itself tells: memory, and how often HNSW finds the true nearest neighbour."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import redis.asyncio as aioredis

from bench.data import Matrix
from bench.stats import summarize
from semcache.cache.codec import RETURN_FIELDS
from semcache.cache.query import HybridPolicy, knn_search_args, scope_filter
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


def _text(x: Any) -> Any:
    if isinstance(x, list):
        return [_text(y) for y in x]
    return x.decode() if isinstance(x, bytes) else x


def _iterators(profile: Any) -> list[Any]:
    """The vector iterator's profile from an FT.PROFILE reply (RESP2 nesting, as Redis 8 sends it)."""
    for part in _text(profile)[1]:
        if isinstance(part, list) and part and part[0] == "Iterators profile":
            return list(part[1])
    return []


def _after(items: list[Any], name: str) -> Any:
    return items[items.index(name) + 1] if name in items else None


async def knn_profile(store: RedisStore, scope: dict[str, str], vectors: Matrix, *, n: int = 200) -> dict[str, object]:
    """FT.PROFILE of the exact KNN query `RedisStore.search` sends, against the same query with the hybrid
    policy left to RediSearch (what was sent before), plus the p50 of each over `n` searches."""
    for v in vectors[:3]:  # the first search in a scope counts it; the next ones name the policy
        await store.search(v, scope, k=3)
    scope_expr = scope_filter(scope, store.spec.scope_fields)
    out: dict[str, object] = {}
    for label, policy in (("redisearch_choice", None), ("as_sent", store.known_policy(scope))):

        def args(v: np.ndarray, policy: HybridPolicy | None = policy) -> list[Any]:
            return knn_search_args(
                store.spec.name,
                scope_expr,
                v.tobytes(),
                k=3,
                ef_runtime=store.spec.ef_runtime,
                return_fields=RETURN_FIELDS,
                policy=policy,
            )

        raw = await store.client.execute_command(
            "FT.PROFILE", store.spec.name, "SEARCH", "QUERY", *args(vectors[0])[2:]
        )  # type: ignore[no-untyped-call]
        it = _iterators(raw)
        child = _after(it, "Child iterator") or []
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            await store.client.execute_command(*args(vectors[i % len(vectors)]))  # type: ignore[no-untyped-call]
            times.append(time.perf_counter() - t0)
        batches = _after(it, "Batches number")
        out[label] = {
            "policy": policy or "RediSearch's choice",
            "mode": f"HNSW in {batches} batch(es)" if batches is not None else "brute force over the filter (ADHOC_BF)",
            "filter_reads": _after(child, "Counter"),
            "search_p50_ms": summarize(times)["p50_ms"],
        }
    return out
