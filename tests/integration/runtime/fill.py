"""Fill an index with real-shaped entries fast (pipelined HSETs), and time an embedded Redis restart.

The size test uses `fill`; `python -m tests.integration.runtime.fill --entries 100000` measures how long an
embedded Redis takes to load that many entries (the figures in docs/backends.md, "Large caches").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import redis.asyncio as aioredis

from semcache.cache.redis import RedisStore
from semcache.cache.schema import IndexSpec
from semcache.local.redis import EmbeddedRedis

_BATCH = 1000


def _mapping(i: int, vector: np.ndarray, spec: IndexSpec) -> dict[str, str | bytes | float | int]:
    prompt = f"Question number {i}: how do I configure feature {i % 977} of product {i % 131} for team {i % 17}?"
    mapping: dict[str, str | bytes | float | int] = {
        "prompt": prompt,
        "text": prompt.lower(),
        "response": f"Answer {i}: " + "open the settings page, choose the feature and save it. " * 8,
        "embedding": vector.astype(np.float32).tobytes(),
        "scope_json": json.dumps({"tenant": "bulk"}),
        "created_at": time.time(),
        "hits": 0,
        "prompt_tokens": 24,
        "completion_tokens": 90,
        "metadata": "{}",
    }
    for name in spec.scope_fields:
        mapping[name] = "bulk" if name == "tenant" else ""
    return mapping


async def fill(client: aioredis.Redis, spec: IndexSpec, entries: int, *, seed: int = 7) -> None:
    """`entries` HASHes under the spec's prefix, with random unit vectors of its size, 1000 per pipeline."""
    await RedisStore(client, spec).ensure_index()
    rng = np.random.default_rng(seed)
    for start in range(0, entries, _BATCH):
        count = min(_BATCH, entries - start)
        vectors = rng.standard_normal((count, spec.dims)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        async with client.pipeline(transaction=False) as pipe:
            for j in range(count):
                i = start + j
                pipe.hset(spec.entry_key(f"bulk{i}"), mapping=_mapping(i, vectors[j], spec))  # type: ignore[arg-type]
            await pipe.execute()


async def _measure(entries: int, dims: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp))
        await server.start()
        client = aioredis.Redis.from_url(server.url, protocol=2)
        spec = IndexSpec(prefix="measure", fingerprint=f"random-{dims}", dims=dims)
        started = time.monotonic()
        await fill(client, spec, entries)
        print(f"filled {entries} entries of {dims} dims in {time.monotonic() - started:.1f} s", flush=True)
        await client.aclose()
        await server.stop()
        started = time.monotonic()
        await server.start(wait_loaded=True)
        print(f"restart: loaded and indexed {entries} entries in {time.monotonic() - started:.1f} s", flush=True)
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=30_000)
    parser.add_argument("--dims", type=int, default=384)
    args = parser.parse_args()
    asyncio.run(_measure(args.entries, args.dims))


if __name__ == "__main__":
    main()
