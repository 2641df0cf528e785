"""Systems taking turns in short closed-loop windows at one concurrency, so load from elsewhere on a shared
machine falls on all of them alike: the ratios of the default-against-default and verifier-off sections
come from here (the main head-to-head in bench/run.py works the same way)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from bench.load import AsyncCall, SyncCall, closed_loop, threaded_loop

__all__ = ["take_turns"]

Result = dict[str, Any]


async def take_turns(
    inputs: Sequence[str],
    *,
    calls: Mapping[str, AsyncCall[str]],
    threaded: Mapping[str, SyncCall[str]] | None = None,
    concurrency: int,
    seconds: float,
    rounds: int,
    max_requests: int,
) -> Result:
    """Requests/s and the share that hit, per system, over `rounds` rounds of one window each (seconds split
    evenly). `threaded` systems are synchronous libraries: one thread per concurrent user."""
    threaded = threaded or {}
    totals = {name: [0, 0.0, 0] for name in [*calls, *threaded]}  # requests, seconds, ok
    window = seconds / rounds
    for _ in range(rounds):
        for name, call in calls.items():
            run = await closed_loop(call, inputs, concurrency=concurrency, seconds=window, max_requests=max_requests)
            _add(totals[name], run.requests, run.seconds, run.ok)
        for name, sync_call in threaded.items():
            run = await asyncio.to_thread(
                threaded_loop, sync_call, inputs, concurrency=concurrency, seconds=window, max_requests=max_requests
            )
            _add(totals[name], run.requests, run.seconds, run.ok)
    return {
        "concurrency": concurrency,
        "rounds": rounds,
        **{
            name: {
                "rps": round(n / secs, 1) if secs else 0.0,
                "ok_rate": round(ok / n, 4) if n else 0.0,
                "hits_per_s": round(ok / secs, 1) if secs else 0.0,
            }
            for name, (n, secs, ok) in totals.items()
        },
    }


def _add(total: list[Any], requests: int, seconds: float, ok: int) -> None:
    total[0] += requests
    total[1] += seconds
    total[2] += ok
