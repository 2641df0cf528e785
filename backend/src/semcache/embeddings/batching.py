"""Micro-batching: concurrent `embed` calls share one model call.

The first request runs at once (no waiting window, so an idle service pays no added latency); requests
that arrive while a batch is running queue up and go together in the next batch. Under load the batch
size grows by itself, which is what makes one model call per many requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from semcache.embeddings.base import Vector

__all__ = ["MicroBatcher"]

BatchFn = Callable[[list[str]], Awaitable[list[Vector]]]


@dataclass
class _Pending:
    texts: list[str]
    future: asyncio.Future[list[Vector]] = field(repr=False)


class MicroBatcher:
    def __init__(self, batch_fn: BatchFn, *, max_batch: int) -> None:
        self._batch_fn = batch_fn
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0

    async def embed(self, texts: list[str]) -> list[Vector]:
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        pending = _Pending(texts, loop.create_future())
        self._queue.append(pending)
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain())
        return await pending.future

    def _take_batch(self) -> list[_Pending]:
        batch: list[_Pending] = []
        size = 0
        while self._queue and (not batch or size + len(self._queue[0].texts) <= self._max_batch):
            item = self._queue.pop(0)
            if item.future.cancelled():
                continue
            batch.append(item)
            size += len(item.texts)
        return batch

    async def _drain(self) -> None:
        while self._queue:
            batch = self._take_batch()
            if not batch:
                continue
            texts = [t for p in batch for t in p.texts]
            try:
                vectors = await self._batch_fn(texts)
            except Exception as exc:  # every waiter must hear about the failure, not hang
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(exc)
                continue
            self.batches += 1
            self.items += len(texts)
            offset = 0
            for p in batch:
                n = len(p.texts)
                if not p.future.done():
                    p.future.set_result(vectors[offset : offset + n])
                offset += n

    async def aclose(self) -> None:
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
