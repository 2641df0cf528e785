"""The realistic mix, its I/O: each system's request, the miss prompts chosen against the filled caches, and
the run that gives every system the same interleaved workload (bench/mix.py).

A request is what the system's user runs: a lookup, and on a miss the upstream's answer, stored.
- semcache over HTTP: `POST /v1/chat/completions` through the gateway, its own miss path (the service asks
  the upstream and stores the answer after replying);
- semcache in-process: `SemanticCache.lookup`, on a miss the upstream then `SemanticCache.put` with the
  lookup's vector;
- RedisVL: the prompt embedded once by its vectorizer, `acheck(vector=...)`, on a miss the upstream then
  `astore(..., vector=...)`;
- GPTCache: `gptcache.adapter.adapter.adapt` (what its LLM adapters run: get, on a miss call the LLM, put,
  one embedding), the LLM being the same upstream.
Every miss waits on the same loopback upstream (bench/upstream.py, a fixed delay to the first token): the
peers and semcache in-process reach it with httpx from the bench process, the gateway with its own client.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench import mix
from bench import ours as o
from bench.config import BenchConfig
from bench.data import embed_all
from semcache.embeddings.local import OnnxMiniLM

__all__ = ["choose_misses", "measure_mix"]

Result = dict[str, Any]
#: Similarity margin beyond the threshold for a miss: int8 noise and rounding never turn one into a hit.
MARGIN = 0.05
JSON = {"content-type": "application/json"}


async def choose_misses(ours: o.Ours, model: OnnxMiniLM, cfg: BenchConfig) -> list[str]:
    """Candidate prompts farther than threshold + MARGIN from every stored entry and from each other."""
    texts = mix.miss_candidates(cfg.mix_misses)
    vectors, _ = embed_all(texts, model.encode, cfg.work_dir / "embeddings" / model.model_id)
    limit = ours.settings.distance_threshold + MARGIN
    far = []
    for i, vector in enumerate(vectors):
        nearest = await ours.store.search(vector, o.SCOPE, k=1)
        if not nearest or nearest[0].distance > limit:
            far.append(i)
    kept = mix.spread(vectors[far], max_similarity=1.0 - limit)
    return [texts[far[j]] for j in kept]


def _answer(reply: httpx.Response) -> str:
    reply.raise_for_status()
    return str(reply.json()["choices"][0]["message"]["content"])


def gateway_call(pool: o.HttpPool) -> Callable[[str], Awaitable[mix.Outcome]]:
    async def call(prompt: str) -> mix.Outcome:
        status, headers, _ = await pool.post("/v1/chat/completions", o.chat_body(prompt))
        if status != 200:
            return "error"
        return "hit" if headers.get("x-semcache-status", "").startswith("HIT") else "miss"

    return call


def inproc_call(ours: o.Ours, client: httpx.AsyncClient, url: str) -> Callable[[str], Awaitable[mix.Outcome]]:
    async def call(prompt: str) -> mix.Outcome:
        lookup = await ours.cache.lookup(prompt, o.SCOPE)
        if lookup.hit:
            return "hit"
        try:
            answer = _answer(await client.post(url, content=o.chat_body(prompt), headers=JSON))
        except httpx.HTTPError:
            return "error"
        await ours.cache.put(prompt, answer, o.SCOPE, ttl=ours.settings.cache_ttl, vector=lookup.vector)
        return "miss"

    return call


def redisvl_call(peer: Any, client: httpx.AsyncClient, url: str) -> Callable[[str], Awaitable[mix.Outcome]]:
    from redisvl.exceptions import RedisSearchError  # type: ignore[import-untyped]  # no stubs shipped

    async def call(prompt: str) -> mix.Outcome:
        try:
            vector = await peer.vectorizer.aembed(prompt)
            if await peer.cache.acheck(vector=vector, num_results=1):
                return "hit"
            answer = _answer(await client.post(url, content=o.chat_body(prompt), headers=JSON))
            await peer.cache.astore(prompt=prompt, response=answer, vector=vector)
        except (RedisSearchError, httpx.HTTPError):
            return "error"
        return "miss"

    return call


def _one_at_a_time(vectors: Any) -> None:
    """GPTCache's faiss store taken by one thread at a time: faiss is not safe for an add while another thread
    searches, and the mix's misses add while its hits search (at 100k entries it crashed the process)."""
    if getattr(vectors, "_bench_serialized", False):
        return
    lock = threading.Lock()
    for name in ("mul_add", "search", "delete", "rebuild", "flush", "count"):
        method = getattr(vectors, name, None)
        if callable(method):
            setattr(vectors, name, _locked(method, lock))
    vectors._bench_serialized = True


def _locked(method: Callable[..., Any], lock: threading.Lock) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(*args, **kwargs)

    return call


def gptcache_call(peer: Any, client: httpx.Client, url: str) -> Callable[[str], mix.Outcome]:
    _one_at_a_time(peer.cache.data_manager.v)
    from gptcache.adapter.adapter import adapt  # type: ignore[import-untyped]  # no stubs shipped
    from gptcache.adapter.api import _cache_data_converter, _update_cache_callback  # type: ignore[import-untyped]
    from sqlalchemy.exc import OperationalError

    def call(prompt: str) -> mix.Outcome:
        asked: list[bool] = []

        def llm(*_: Any, **__: Any) -> str:
            asked.append(True)
            return _answer(client.post(url, content=o.chat_body(prompt), headers=JSON))

        try:
            adapt(llm, _cache_data_converter, _update_cache_callback, prompt=prompt, cache_obj=peer.cache)
        except (OperationalError, httpx.HTTPError):  # sqlite's "database is locked" under concurrent users
            return "error"
        return "miss" if asked else "hit"

    return call


async def measure_mix(
    ours: o.Ours,
    svc_port: int,
    upstream_url: str,
    model: OnnxMiniLM,
    peers: dict[str, Any],
    exact: list[str],
    semantic: list[str],
    cfg: BenchConfig,
) -> Result:
    """The same interleaved workload for semcache (HTTP and in-process) and each peer, at one concurrency.
    semcache's two ways share one index, so they get different miss prompts (halves of one pool)."""
    misses = await choose_misses(ours, model, cfg)
    if len(misses) < 2:
        return {"skipped": f"only {len(misses)} miss prompts far from the cache and from each other"}
    c, secs, url = cfg.mix_concurrency, cfg.seconds_per_load, upstream_url + "/v1/chat/completions"
    pools = {"exact": exact, "paraphrase": semantic}
    first, second = misses[0::2], misses[1::2]
    work = mix.workload({**pools, "miss": first}, mix.mix_length(cfg.max_requests_per_load, len(first)))
    other = mix.workload({**pools, "miss": second}, mix.mix_length(cfg.max_requests_per_load, len(second)))
    out: Result = {
        "concurrency": c,
        "shares": dict(mix.CLASSES),
        "pools": {"exact": len(exact), "paraphrase": len(semantic), "miss": len(misses)},
        "requests_at_most": len(work),
        "upstream_delay_ms": cfg.upstream_delay_ms,
    }
    pool = o.HttpPool("127.0.0.1", svc_port, c)
    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
    try:
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            # Open the client's connections first, so no system's first misses pay for them.
            await asyncio.gather(*(client.post(url, content=o.chat_body("warm-up"), headers=JSON) for _ in range(c)))
            out["semcache_http"] = await mix.run_async(gateway_call(pool), work, concurrency=c, seconds=secs)
            out["semcache"] = await mix.run_async(inproc_call(ours, client, url), other, concurrency=c, seconds=secs)
            if "redisvl" in peers:
                call = redisvl_call(peers["redisvl"], client, url)
                out["redisvl"] = await mix.run_async(call, work, concurrency=c, seconds=secs)
    finally:
        await pool.close()
    await ours.cache.drain()
    if "gptcache" in peers:
        with httpx.Client(limits=limits, timeout=30) as sync_client:
            sync_call = gptcache_call(peers["gptcache"], sync_client, url)
            out["gptcache"] = await asyncio.to_thread(mix.run_threaded, sync_call, work, concurrency=c, seconds=secs)
    return out
