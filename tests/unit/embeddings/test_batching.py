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


async def test_calls_arriving_while_a_batch_runs_go_together_in_the_next() -> None:
    calls: list[list[str]] = []
    running, release = asyncio.Event(), asyncio.Event()

    async def fn(texts: list[str]) -> list[Vector]:
        calls.append(texts)
        if len(calls) == 1:
            running.set()
            await release.wait()  # the first batch runs until the test has queued the others
        return [np.full(2, float(t), dtype=np.float32) for t in texts]

    batcher = MicroBatcher(fn, max_batch=64)
    first = asyncio.create_task(batcher.embed(["0"]))
    await running.wait()  # it went alone, at once: no waiting window
    later = [asyncio.create_task(batcher.embed([str(i)])) for i in range(1, 10)]
    # One pass of the loop runs each new task up to its wait on its future, so all nine are queued; the
    # first batch is still held, so none of them can have gone yet.
    await asyncio.sleep(0)
    assert calls == [["0"]]
    release.set()
    results = await asyncio.gather(first, *later)
    assert calls == [["0"], [str(i) for i in range(1, 10)]]
    assert [float(r[0][0]) for r in results] == [float(i) for i in range(10)]


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
