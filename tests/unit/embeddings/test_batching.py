import asyncio

import numpy as np

from semcache.embeddings.base import Vector
from semcache.embeddings.batching import MicroBatcher


async def test_concurrent_calls_share_batches_and_keep_order() -> None:
    calls: list[list[str]] = []

    async def fn(texts: list[str]) -> list[Vector]:
        calls.append(texts)
        await asyncio.sleep(0.01)
        return [np.full(2, float(t), dtype=np.float32) for t in texts]

    batcher = MicroBatcher(fn, max_batch=64)
    results = await asyncio.gather(*(batcher.embed([str(i)]) for i in range(20)))
    assert [float(r[0][0]) for r in results] == [float(i) for i in range(20)]
    # Calls that arrive in the same tick go as one model call.
    assert len(calls) == 1 and len(calls[0]) == 20
    calls.clear()

    async def late(i: int) -> list[Vector]:
        await asyncio.sleep(0.002 * (i > 0))
        return await batcher.embed([str(i)])

    await asyncio.gather(*(late(i) for i in range(10)))
    # The first runs alone at once (no waiting window); those arriving meanwhile share the next call.
    assert calls[0] == ["0"] and len(calls) == 2 and len(calls[1]) == 9


async def test_a_failed_batch_fails_each_waiter_and_the_next_batch_runs() -> None:
    fail = True

    async def fn(texts: list[str]) -> list[Vector]:
        if fail:
            raise RuntimeError("model crashed")
        return [np.zeros(2, dtype=np.float32) for _ in texts]

    batcher = MicroBatcher(fn, max_batch=8)
    results = await asyncio.gather(batcher.embed(["a"]), batcher.embed(["b"]), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    fail = False
    assert len(await batcher.embed(["c"])) == 1


async def test_batches_respect_the_size_limit() -> None:
    sizes: list[int] = []

    async def fn(texts: list[str]) -> list[Vector]:
        sizes.append(len(texts))
        await asyncio.sleep(0)
        return [np.zeros(1, dtype=np.float32) for _ in texts]

    batcher = MicroBatcher(fn, max_batch=4)
    await asyncio.gather(*(batcher.embed(["x", "y"]) for _ in range(6)))
    assert max(sizes) <= 4 and sum(sizes) == 12
