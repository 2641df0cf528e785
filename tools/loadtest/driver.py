"""The load: closed-loop async callers on /v1/chat/completions (a steady mix of stored and fresh
prompts), a fault controller that kills Redis and starts it again mid-run, and the check that every
entry stored before the kill is served from the cache after it."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from tools.loadtest.report import Phase, Sample, Survival, Timeline, phases
from tools.loadtest.stack import MODEL, PREFIX, Stack

_WORDS = (
    "river",
    "mountain",
    "galaxy",
    "protein",
    "violin",
    "harbor",
    "quantum",
    "bakery",
    "glacier",
    "orchestra",
    "tundra",
    "compiler",
    "lantern",
    "volcano",
    "saffron",
    "archive",
    "meadow",
    "pendulum",
    "cathedral",
    "monsoon",
    "beetle",
    "alloy",
    "parchment",
    "reef",
    "turbine",
    "falcon",
    "canyon",
    "sonnet",
    "magnet",
    "prairie",
    "lighthouse",
    "enzyme",
    "marathon",
    "satellite",
    "walnut",
    "citadel",
    "plankton",
    "bronze",
    "comet",
    "harvest",
    "origami",
    "tornado",
    "cipher",
    "lagoon",
    "bamboo",
    "furnace",
    "nebula",
    "tapestry",
)


@dataclass(frozen=True)
class LoadConfig:
    duration_s: float = 120.0
    concurrency: int = 8
    hit_ratio: float = 0.5
    stream_ratio: float = 0.2
    warm_entries: int = 40
    fault_at: float = 0.4  # fraction of the duration at which Redis is killed
    down_s: float = 0.0  # how long it stays down; 0: a fifth of the duration (at least 2 s)
    upstream_latency_s: float = 0.05
    think_s: float = 0.02
    seed: int = 0

    @property
    def outage_s(self) -> float:
        return self.down_s or max(2.0, self.duration_s / 5)


@dataclass
class LoadResult:
    samples: list[Sample]
    timeline: Timeline
    survival: Survival
    figures: list[Phase]


def prompt(rng: random.Random, label: str) -> str:
    # Random words, so fresh prompts are far apart in embedding space: a "miss" stays a miss.
    return f"{label}: {' '.join(rng.sample(_WORDS, 6))}?"


def body(text: str, *, stream: bool) -> dict[str, object]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}], "stream": stream}


async def send(client: httpx.AsyncClient, text: str, *, stream: bool) -> tuple[int, str]:
    """(HTTP status, x-semcache-status); a stream counts only if it ends with [DONE]."""
    if not stream:
        r = await client.post("/v1/chat/completions", json=body(text, stream=False))
        return r.status_code, r.headers.get("x-semcache-status", "")
    async with client.stream("POST", "/v1/chat/completions", json=body(text, stream=True)) as r:
        data = await r.aread()
        status = r.status_code if r.status_code != 200 or data.rstrip().endswith(b"[DONE]") else 599
        return status, r.headers.get("x-semcache-status", "")


async def warm_up(client: httpx.AsyncClient, prompts: list[str], *, timeout_s: float = 60.0) -> None:
    """Store each warm prompt and wait until it is served from the cache."""
    await asyncio.gather(*(send(client, p, stream=False) for p in prompts))
    pending, deadline = list(prompts), time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        results = await asyncio.gather(*(send(client, p, stream=False) for p in pending))
        pending = [p for p, (_, cache) in zip(pending, results, strict=True) if not cache.startswith("HIT")]
        await asyncio.sleep(0.1)
    if pending:
        raise RuntimeError(f"{len(pending)} warm-up prompts were never stored")


async def stored_prompts(redis_url: str) -> list[str]:
    """The prompt of every cache entry in Redis right now."""
    client = aioredis.Redis.from_url(redis_url, protocol=2)
    try:
        keys = [k async for k in client.scan_iter(match=f"{PREFIX}:cache:*:e:*", count=1000, _type="HASH")]
        async with client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hget(key, "prompt")
            values = await pipe.execute()
    finally:
        await client.aclose()
    return [v.decode() for v in values if v is not None]


async def served_from_cache(client: httpx.AsyncClient, prompts: list[str]) -> Survival:
    gate = asyncio.Semaphore(8)

    async def check(p: str) -> bool:
        async with gate:
            _, cache = await send(client, p, stream=False)
            return cache.startswith("HIT")

    results = await asyncio.gather(*(check(p) for p in prompts))
    missing = [p for p, ok in zip(prompts, results, strict=True) if not ok]
    return Survival(stored_before=len(prompts), served_after=len(prompts) - len(missing), missing=missing)


async def run_load(config: LoadConfig, *, work_dir: Path | None = None) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="semcache-load-") as tmp:
        async with Stack(work_dir or Path(tmp), upstream_latency_s=config.upstream_latency_s) as stack:
            return await _drive(stack, config)


async def _drive(stack: Stack, config: LoadConfig) -> LoadResult:
    rng = random.Random(config.seed)
    warm = [prompt(rng, f"Warm question {i}") for i in range(config.warm_entries)]
    limits = httpx.Limits(max_connections=config.concurrency * 2)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30.0, limits=limits) as client:
        await warm_up(client, warm)
        samples: list[Sample] = []
        snapshot: list[str] = []
        marks: dict[str, float] = {}
        start = time.perf_counter()
        end = start + config.duration_s

        async def caller(index: int) -> None:
            local = random.Random(config.seed * 1000 + index)
            n = 0
            while time.perf_counter() < end:
                hit = local.random() < config.hit_ratio
                text = local.choice(warm) if hit else prompt(local, f"Fresh question {index}-{n}")
                stream = local.random() < config.stream_ratio
                sent = time.perf_counter()
                try:
                    status, cache = await send(client, text, stream=stream)
                except httpx.HTTPError:
                    status, cache = 0, ""
                done = time.perf_counter()
                samples.append(Sample(sent - start, (done - sent) * 1000, status, cache, "hit" if hit else "miss"))
                n += 1
                await asyncio.sleep(config.think_s)

        async def fault() -> None:
            await asyncio.sleep(config.duration_s * config.fault_at)
            snapshot.extend(await stored_prompts(stack.redis_url))
            await stack.kill_redis()
            marks["killed"] = time.perf_counter() - start  # after SIGKILL returned: the process is gone
            await asyncio.sleep(config.outage_s)
            await stack.restart_redis()
            marks["restarted"] = time.perf_counter() - start

        await asyncio.gather(fault(), *(caller(i) for i in range(config.concurrency)))
        duration = time.perf_counter() - start
        survival = await served_from_cache(client, snapshot)
    recovered = next(
        (
            s.at_s
            for s in sorted(samples, key=lambda s: s.at_s)
            if s.at_s >= marks["restarted"] and s.cache.startswith("HIT")
        ),
        None,
    )
    timeline = Timeline(duration, marks["killed"], marks["restarted"], recovered)
    return LoadResult(samples, timeline, survival, phases(samples, timeline))
