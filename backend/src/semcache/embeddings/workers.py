"""Model threads fed from one queue: each text is embedded alone by whichever thread is free.

Why not the micro-batcher the remote embedders use: a local model gains nothing from batches (each text must
run alone, see `OnnxMiniLM`), and a batch is a barrier. The model then waited for the slowest text of a batch
and for the event loop to hand over the next one, and under load the loop is busy answering the previous
batch's requests. Here a thread takes the next text the moment it is free, so the model never waits for the
loop; finished vectors go back in one loop wake-up for however many finished meanwhile.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from semcache.embeddings.base import Vector
from semcache.errors import EmbeddingError

__all__ = ["ModelWorkers"]

EmbedOne = Callable[[str], Vector]


@dataclass(eq=False)
class _Job:
    future: asyncio.Future[list[Vector]]
    rows: list[Vector | None] = field(default_factory=list)
    left: int = 0


_Work = tuple[_Job, int, str]
_Done = tuple[_Job, int, Vector | Exception]


class ModelWorkers:
    """`threads` threads running `embed_one` over queued texts; `embed` awaits a call's texts in order."""

    def __init__(self, embed_one: EmbedOne, *, threads: int, name: str = "embed") -> None:
        self._embed_one = embed_one
        self._threads = max(1, threads)
        self._name = name
        self._todo: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._done: deque[_Done] = deque()
        self._wake_pending = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: list[threading.Thread] = []

    def start(self) -> None:
        """Start the threads; results go back to the running loop."""
        self._loop = asyncio.get_running_loop()
        for i in range(self._threads):
            thread = threading.Thread(target=self._work, name=f"{self._name}-{i}", daemon=True)
            thread.start()
            self._running.append(thread)

    async def embed(self, texts: list[str]) -> list[Vector]:
        if not texts:
            return []
        if self._loop is None or not self._running:
            raise EmbeddingError("embedding model threads not running (before start() or after close())")
        job = _Job(self._loop.create_future(), [None] * len(texts), len(texts))
        for i, text in enumerate(texts):
            self._todo.put((job, i, text))
        return await job.future

    def _wait_for_work(self) -> _Work | None:
        # Its own frame, so a sampling profiler can tell a thread waiting for a text from one at work (bench).
        return self._todo.get()

    def _work(self) -> None:
        while (item := self._wait_for_work()) is not None:
            job, i, text = item
            if job.future.done():  # its caller gave up (cancelled, or another text of it failed)
                continue
            result: Vector | Exception
            try:
                result = self._embed_one(text)
            except Exception as e:  # handed to the caller; the thread lives on for the next text
                result = e
            self._done.append((job, i, result))
            # One wake-up for everything finished until the loop runs `_deliver`; the flag is cleared there
            # before the queue is drained, so a result appended after that schedules a wake-up of its own.
            if not self._wake_pending:
                self._wake_pending = True
                self._call_soon(self._deliver)

    def _call_soon(self, callback: Callable[[], None]) -> None:
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(callback)
        except RuntimeError:  # the loop closed under a late result: nobody is waiting for it any more
            pass

    def _deliver(self) -> None:
        self._wake_pending = False
        while self._done:
            job, i, result = self._done.popleft()
            if job.future.done():
                continue
            if isinstance(result, Exception):
                job.future.set_exception(result)
                continue
            job.rows[i] = result
            job.left -= 1
            if job.left == 0:
                job.future.set_result([row for row in job.rows if row is not None])

    def close(self) -> None:
        """Stop the threads once the texts already queued are done (their callers are not left hanging)."""
        for _ in self._running:
            self._todo.put(None)
        self._running = []
