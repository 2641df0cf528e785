"""Drivers: sequential latency, and closed-loop throughput at a fixed concurrency, bounded in time and count.

Closed loop: each of `concurrency` workers sends its next request when the previous one answered, which is
how an application with that many concurrent users behaves (and never overloads the server unboundedly).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from bench.stats import Summary, summarize

T = TypeVar("T")
AsyncCall = Callable[[T], Awaitable[bool]]  # True: the request did what was asked (a hit where a hit is due)
SyncCall = Callable[[T], bool]


@dataclass
class Run:
    requests: int
    ok: int
    seconds: float
    latency: Summary

    @property
    def rps(self) -> float:
        return round(self.requests / self.seconds, 1) if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "ok_rate": round(self.ok / self.requests, 4) if self.requests else 0.0,
            "seconds": round(self.seconds, 3),
            "rps": self.rps,
            "latency": dict(self.latency),
        }


async def sequential(call: AsyncCall[T], inputs: Sequence[T], *, n: int, warmup: int = 20) -> Run:
    for i in range(min(warmup, n)):
        await call(inputs[i % len(inputs)])
    samples, ok = [], 0
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        good = await call(inputs[i % len(inputs)])
        samples.append(time.perf_counter() - t0)
        ok += good
    return Run(n, ok, time.perf_counter() - started, summarize(samples))


async def closed_loop(
    call: AsyncCall[T], inputs: Sequence[T], *, concurrency: int, seconds: float, max_requests: int
) -> Run:
    samples: list[float] = []
    ok = 0
    counter = iter(range(max_requests))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal ok
        for i in counter:
            if time.perf_counter() > deadline:
                return
            t0 = time.perf_counter()
            good = await call(inputs[i % len(inputs)])  # not `ok += await ...`: that reads ok before awaiting
            samples.append(time.perf_counter() - t0)
            ok += good

    # Warm every connection/worker first, so the timed window is steady state.
    await asyncio.gather(*(call(inputs[i % len(inputs)]) for i in range(concurrency)))
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Run(len(samples), ok, time.perf_counter() - started, summarize(samples))


def threaded_loop(
    call: SyncCall[T], inputs: Sequence[T], *, concurrency: int, seconds: float, max_requests: int
) -> Run:
    """The same closed loop for a synchronous library (GPTCache): one thread per concurrent user."""
    samples: list[float] = []
    ok = 0
    lock = threading.Lock()
    counter = iter(range(max_requests))
    deadline = 0.0  # set after the warm-up: a slow library's warm-up must not eat the window

    def worker() -> None:
        nonlocal ok
        while time.perf_counter() <= deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            good = call(inputs[i % len(inputs)])
            elapsed = time.perf_counter() - t0
            with lock:
                ok += good
                samples.append(elapsed)

    for i in range(min(concurrency, len(inputs))):
        call(inputs[i])
    started = time.perf_counter()
    deadline = started + seconds
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for f in [pool.submit(worker) for _ in range(concurrency)]:
            f.result()
    return Run(len(samples), ok, time.perf_counter() - started, summarize(samples))


def threaded_sequential(call: SyncCall[T], inputs: Sequence[T], *, n: int, warmup: int = 20) -> Run:
    for i in range(min(warmup, n)):
        call(inputs[i % len(inputs)])
    samples, ok = [], 0
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        ok += call(inputs[i % len(inputs)])
        samples.append(time.perf_counter() - t0)
    return Run(n, ok, time.perf_counter() - started, summarize(samples))
