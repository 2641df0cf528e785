"""What the model alone can do, measured in the run itself: the ceiling under every semantic-hit throughput.

(One pass alone is measured beside each sequential lookup, in `run.measure_inproc`.)

- the ceiling: one thread per model thread of the service (`default_threads`), each embedding texts back to
  back, nothing else running: no cache that embeds each query can answer more semantic hits per second than that;
- semcache's embedder at c=32 from the event loop (`LocalEmbedder.embed`), to show what the hand-offs cost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from bench.load import closed_loop
from semcache.embeddings.local import LocalEmbedder, OnnxMiniLM, default_threads

Result = dict[str, Any]


def ceiling(model: OnnxMiniLM, texts: Sequence[str], *, threads: int, seconds: float) -> float:
    """Texts per second with `threads` threads embedding back to back (nothing else in this process runs)."""
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
    return round(sum(done) / (time.perf_counter() - started), 1)


async def measure(
    model: OnnxMiniLM, embedder: LocalEmbedder, texts: Sequence[str], *, seconds: float, max_requests: int
) -> Result:
    threads = default_threads(0)

    async def embed(text: str) -> bool:
        return len(await embedder.embed([text])) == 1

    ours = await closed_loop(embed, texts, concurrency=32, seconds=seconds, max_requests=max_requests)
    return {
        "threads": threads,
        "ceiling_texts_per_s": ceiling(model, texts, threads=threads, seconds=seconds),
        "embedder_c32_texts_per_s": ours.rps,
    }
