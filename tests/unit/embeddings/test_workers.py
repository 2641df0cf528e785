"""ModelWorkers: every caller gets its own texts' results, in order, however the threads interleave."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from semcache.embeddings.base import Vector
from semcache.embeddings.workers import ModelWorkers
from semcache.errors import EmbeddingError


def _vector(text: str) -> Vector:
    return np.full(4, float(len(text)), dtype=np.float32)


async def test_each_call_gets_its_own_texts_in_order() -> None:
    workers = ModelWorkers(_vector, threads=3)
    workers.start()
    try:
        calls = [["a" * (i % 7 + 1), "b" * (i % 5 + 1)] for i in range(200)]
        results = await asyncio.gather(*(workers.embed(texts) for texts in calls))
        for texts, vectors in zip(calls, results, strict=True):
            assert [float(v[0]) for v in vectors] == [float(len(t)) for t in texts]
    finally:
        workers.close()


async def test_a_failing_text_fails_its_call_only_and_the_threads_go_on() -> None:
    def embed_one(text: str) -> Vector:
        if text == "bad":
            raise EmbeddingError("no")
        return _vector(text)

    workers = ModelWorkers(embed_one, threads=2)
    workers.start()
    try:
        good, bad = await asyncio.gather(workers.embed(["ok"]), workers.embed(["x", "bad"]), return_exceptions=True)
        assert isinstance(bad, EmbeddingError)
        assert isinstance(good, list) and len(good) == 1
        assert len(await workers.embed(["still", "running"])) == 2
    finally:
        workers.close()


async def test_a_cancelled_call_is_skipped_if_no_thread_took_it_yet() -> None:
    busy, gate = threading.Event(), threading.Event()
    ran: list[str] = []

    def embed_one(text: str) -> Vector:
        busy.set()
        gate.wait(5)
        ran.append(text)
        return _vector(text)

    workers = ModelWorkers(embed_one, threads=1)
    workers.start()
    try:
        first = asyncio.ensure_future(workers.embed(["first"]))
        assert await asyncio.to_thread(busy.wait, 5)  # the one thread is inside "first", held by the gate
        second = asyncio.ensure_future(workers.embed(["second"]))
        await asyncio.sleep(0)
        second.cancel()
        gate.set()
        assert len(await first) == 1
        assert len(await workers.embed(["third"])) == 1
        assert ran == ["first", "third"]
    finally:
        workers.close()


async def test_used_before_start_is_an_embedding_error() -> None:
    with pytest.raises(EmbeddingError):
        await ModelWorkers(_vector, threads=1).embed(["x"])
    assert await ModelWorkers(_vector, threads=1).embed([]) == []
