"""The realistic mix, its pure parts: one interleaved workload of exact repeats, paraphrases and misses, the
choice of miss prompts, a per-class tally, and the closed-loop drivers every system runs it through.

30% exact repeats (stored prompts asked again), 30% paraphrases (the `b` side of labelled pairs whose `a`
side is stored, the ones semcache serves as semantic hits) and 40% misses, in one seeded order every system
gets. A miss is a real miss for every cache: the system asks the upstream and stores the answer
(bench/mix_systems.py), so each miss prompt is asked once per system, and miss prompts are kept only when
they are far from every stored entry and from each other (`spread`): no miss can hit what an earlier miss
stored, whatever the cache.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from bench.data import Matrix, SharedDataMissing, data_dir
from bench.stats import summarize

__all__ = [
    "CLASSES",
    "Outcome",
    "Tally",
    "miss_candidates",
    "mix_length",
    "run_async",
    "run_threaded",
    "spread",
    "workload",
]

Result = dict[str, Any]
#: What one request of the mix came to: served from the cache, answered by the upstream, or failed.
Outcome = Literal["hit", "miss", "error"]
#: (class, share of the requests)
CLASSES = (("exact", 0.3), ("paraphrase", 0.3), ("miss", 0.4))
MISS_SHARE = dict(CLASSES)["miss"]
#: Prompts no corpus entry comes from (bench/data.py reads other files): misses, unless the checks say not.
MISS_FILE = "clinc150_test_intent_pairs.jsonl"


def workload(pools: Mapping[str, Sequence[str]], n: int, *, seed: int = 34) -> list[tuple[str, str]]:
    """Pure: n (class, prompt) pairs in CLASSES' proportions, interleaved by a seeded shuffle; pools cycle
    (`mix_length` keeps the miss pool from cycling)."""
    order: list[str] = []
    for name, share in CLASSES:
        order += [name] * round(n * share)
    random.Random(seed).shuffle(order)
    seen = dict.fromkeys(pools, 0)
    out = []
    for name in order:
        pool = pools[name]
        out.append((name, pool[seen[name] % len(pool)]))
        seen[name] += 1
    return out


def mix_length(max_requests: int, misses: int) -> int:
    """Pure: the longest workload (at most max_requests) whose misses are all different prompts."""
    return max(0, min(max_requests, int(misses / MISS_SHARE)))


def spread(vectors: Matrix, *, max_similarity: float) -> list[int]:
    """Pure: indices of a greedy subset whose pairwise cosine similarity (unit vectors) stays below
    max_similarity, in input order: no kept prompt is a semantic hit for another."""
    kept: list[int] = []
    chosen = np.zeros_like(vectors)
    for i, v in enumerate(vectors):
        if kept and float(np.max(chosen[: len(kept)] @ v)) >= max_similarity:
            continue
        chosen[len(kept)] = v
        kept.append(i)
    return kept


def miss_candidates(n: int) -> list[str]:
    """Up to n distinct prompts from MISS_FILE beside the repository; synthetic ones when it is not there
    (spread() then keeps those that are far enough apart)."""
    try:
        path = data_dir() / MISS_FILE
    except SharedDataMissing:
        path = None
    if path is None or not path.is_file():
        return [f"Unrelated benchmark question {i}: what is the colour of object {i * 7919 % 9973}?" for i in range(n)]
    seen: dict[str, None] = {}
    with path.open() as f:
        for line in f:
            pair = json.loads(line)
            seen.setdefault(pair["a"], None)
            seen.setdefault(pair["b"], None)
            if len(seen) >= n:
                break
    return list(seen)[:n]


@dataclass
class Tally:
    """Per class: latencies and outcomes, added to by concurrent workers (threads or tasks)."""

    seconds: float = 0.0
    samples: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name, _ in CLASSES})
    outcomes: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: {"hit": 0, "miss": 0, "error": 0} for name, _ in CLASSES}
    )

    def add(self, name: str, elapsed: float, outcome: Outcome) -> None:
        self.samples[name].append(elapsed)
        self.outcomes[name][outcome] += 1

    def as_dict(self) -> Result:
        out: Result = {"seconds": round(self.seconds, 3)}
        for name, samples in self.samples.items():
            s, n, counts = summarize(samples), len(samples), self.outcomes[name]
            out[name] = {
                "requests": n,
                "requests_per_s": round(n / self.seconds, 1) if self.seconds else 0.0,
                "hit_rate": round(counts["hit"] / n, 4) if n else 0.0,
                "error_rate": round(counts["error"] / n, 4) if n else 0.0,
                "hits_per_s": round(counts["hit"] / self.seconds, 1) if self.seconds else 0.0,
                "p50_ms": s["p50_ms"],
                "p99_ms": s["p99_ms"],
            }
        return out


def _warmup(work: Sequence[tuple[str, str]], concurrency: int) -> list[str]:
    # Hits only: a miss stores its answer, so a warm-up miss would turn the same prompt into a hit later.
    return [prompt for name, prompt in work if name != "miss"][:concurrency]


async def run_async(
    call: Callable[[str], Awaitable[Outcome]], work: Sequence[tuple[str, str]], *, concurrency: int, seconds: float
) -> Result:
    """Closed loop over `work` in order (each worker takes the next item), bounded by time and by len(work)."""
    tally, items = Tally(), iter(work)
    await asyncio.gather(*(call(prompt) for prompt in _warmup(work, concurrency)))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        for name, prompt in items:
            if time.perf_counter() > deadline:
                return
            t0 = time.perf_counter()
            outcome = await call(prompt)
            tally.add(name, time.perf_counter() - t0, outcome)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    tally.seconds = time.perf_counter() - started
    return tally.as_dict()


def run_threaded(
    call: Callable[[str], Outcome], work: Sequence[tuple[str, str]], *, concurrency: int, seconds: float
) -> Result:
    """The same for a synchronous library (GPTCache): one thread per concurrent user."""
    tally, items, lock = Tally(), iter(work), threading.Lock()
    for prompt in _warmup(work, concurrency):
        call(prompt)
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() <= deadline:
            with lock:
                item = next(items, None)
            if item is None:
                return
            t0 = time.perf_counter()
            outcome = call(item[1])
            with lock:
                tally.add(item[0], time.perf_counter() - t0, outcome)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally.seconds = time.perf_counter() - started
    return tally.as_dict()
