"""What the second stage costs on a semantic hit it runs on, timed with time.perf_counter over many calls.

The tokenizer's per-prompt cache is cleared before each call (the worst case: neither prompt split
before). Exact hits and clear misses never reach the verifier (`cache.semantic.choose` stops at the
threshold), so they pay nothing. `bench/verify_latency.py` and `semcache eval` (docs/quality.md) use it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence

from semcache.cache.models import Candidate
from semcache.cache.semantic import Verifier
from semcache.verify.guards import split
from semcache.verify.reader import Reader, ReaderModel

__all__ = ["reader_latency", "verifier_latency"]


def verifier_latency(verify: Verifier, pairs: Sequence[tuple[str, Candidate]], calls: int) -> tuple[float, float]:
    """(p50, p99) in milliseconds of `calls` verifier calls cycling over (query, candidate) pairs."""
    samples = []
    for i in range(calls):
        query, candidate = pairs[i % len(pairs)]
        split.cache_clear()
        t0 = time.perf_counter()
        verify(query, candidate, [candidate])
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.99 * len(samples))]


async def _read_times(pairs: Sequence[tuple[str, Candidate]], calls: int) -> list[float]:
    reader = Reader(ReaderModel(cache_size=0))  # nothing cached: both prompts read every time
    await reader.start()
    try:
        samples = []
        for i in range(calls):
            query, candidate = pairs[i % len(pairs)]
            t0 = time.perf_counter()
            await reader.score(query, candidate.entry.prompt)
            samples.append((time.perf_counter() - t0) * 1000)
        return sorted(samples)
    finally:
        await reader.aclose()


def reader_latency(pairs: Sequence[tuple[str, Candidate]], calls: int) -> tuple[float, float]:
    """(p50, p99) in milliseconds of the reader on `calls` (query, candidate) pairs, neither side cached:
    the worst case (a hot entry's side comes from the reader's LRU)."""
    samples = asyncio.run(_read_times(pairs, calls))
    return statistics.median(samples), samples[int(0.99 * len(samples))]
