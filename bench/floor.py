"""What the model alone can do: the ceiling under every semantic-hit throughput (run in the head-to-head turns).

- the model: one thread per model thread of the service, each embedding texts back to back in its own thread
  (`OnnxMiniLM.embed_one`, no event loop, no hand-off): no cache that embeds each query serves more hits/s;
- semcache's embedder from the event loop at the same concurrency (`LocalEmbedder.embed`): the model plus the
  hand-off to its threads and back.
(One pass alone is timed beside each sequential lookup, in `run.measure_inproc`.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Sequence

from semcache.embeddings.local import LocalEmbedder, OnnxMiniLM


def ceiling(model: OnnxMiniLM, texts: Sequence[str], *, threads: int, seconds: float) -> tuple[int, float]:
    """(texts embedded, seconds) with `threads` threads embedding back to back."""
    done = [0] * threads
    deadline = time.perf_counter() + seconds

    def work(slot: int) -> None:
        i = slot
        while time.perf_counter() < deadline:
            model.embed_one(texts[i % len(texts)])
            done[slot] += 1
            i += threads

    workers = [threading.Thread(target=work, args=(slot,)) for slot in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done), time.perf_counter() - started


def embed_call(embedder: LocalEmbedder) -> Callable[[str], Awaitable[bool]]:
    async def embed(text: str) -> bool:
        return len(await embedder.embed([text])) == 1

    return embed
