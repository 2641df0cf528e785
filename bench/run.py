"""One benchmark run: start what it needs, fill each cache size, measure ours and the peers, write the report."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import batching, defaults, floor, profile, redisfacts
from bench import ours as o
from bench.config import BenchConfig
from bench.data import Corpus, Matrix, embed_all, load_corpus
from bench.http import Connection
from bench.load import Run, closed_loop, sequential, threaded_loop, threaded_sequential
from bench.machine import facts, load_average
from bench.mix_systems import measure_mix
from bench.services import Proc, service_env, start_service, start_upstream
from bench.stats import summarize
from bench.verifier_off import measure_verifier_off
from semcache.embeddings.local import OnnxMiniLM, default_threads
from semcache.llm.factory import start_llm
from semcache.local.redis import EmbeddedRedis
from semcache.schemas.openai import ChatRequest

Result = dict[str, Any]
SPECULATION_BUDGETS_MS = (0, 2, 4, 6, 8, 10, 15)


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


async def _loads(call: Any, inputs: list[str], cfg: BenchConfig, levels: tuple[int, ...]) -> Result:
    out: Result = {}
    for c in levels:
        run = await closed_loop(
            call, inputs, concurrency=c, seconds=cfg.seconds_per_load, max_requests=cfg.max_requests_per_load
        )
        out[str(c)] = run.as_dict()
    return out


async def measure_inproc(
    ours: o.Ours, model: OnnxMiniLM, exact: list[str], semantic: list[str], cfg: BenchConfig
) -> Result:
    stages: dict[str, list[float]] = {"embed_ms": [], "search_ms": [], "lookup_ms": [], "model_pass_ms": []}
    for prompt in semantic[: cfg.latency_requests]:
        t0 = time.perf_counter()
        lookup = await ours.cache.lookup(prompt, o.SCOPE)
        stages["lookup_ms"].append(time.perf_counter() - t0)
        stages["embed_ms"].append(lookup.embed_ms / 1000)
        stages["search_ms"].append(lookup.search_ms / 1000)
        await ours.cache.drain()  # the hit counter is done before the next step starts
        # The same text through the model alone, right after, so the machine's load is the same for both.
        t0 = time.perf_counter()
        model.embed_one(prompt)
        stages["model_pass_ms"].append(time.perf_counter() - t0)
    lookups = stages["lookup_ms"]
    return {
        "semantic_stages": {k: summarize(v) for k, v in stages.items()},
        # What a speculative upstream start after B ms would cost: the share of hits still looking up at B.
        "hit_lookup_over_ms": {
            str(b): round(sum(t * 1000 > b for t in lookups) / max(len(lookups), 1), 4) for b in SPECULATION_BUDGETS_MS
        },
        "exact": (await sequential(o.inproc_call(ours, "exact"), exact, n=cfg.latency_requests)).as_dict(),
        "semantic": (await sequential(o.inproc_call(ours, "semantic"), semantic, n=cfg.latency_requests)).as_dict(),
        "throughput_semantic": await _loads(o.inproc_call(ours, "semantic"), semantic, cfg, cfg.concurrency),
    }


async def measure_http(svc: Proc, exact: list[str], semantic: list[str], cfg: BenchConfig) -> Result:
    pool = o.HttpPool("127.0.0.1", svc.port, max(cfg.concurrency))
    try:
        n = cfg.latency_requests
        return {
            "search_exact": (await sequential(o.search_call(pool, "exact"), exact, n=n)).as_dict(),
            "search_semantic": (await sequential(o.search_call(pool, "semantic"), semantic, n=n)).as_dict(),
            "gateway_exact": (await sequential(o.gateway_call(pool, "HIT-EXACT"), exact, n=n)).as_dict(),
            "gateway_semantic": (await sequential(o.gateway_call(pool, "HIT-SEMANTIC"), semantic, n=n)).as_dict(),
            "throughput_search_semantic": await _loads(o.search_call(pool, "semantic"), semantic, cfg, cfg.concurrency),
            "throughput_gateway_semantic": await _loads(
                o.gateway_call(pool, "HIT-SEMANTIC"), semantic, cfg, (max(c for c in cfg.concurrency if c <= 32),)
            ),
        }
    finally:
        await pool.close()


async def measure_miss(svc: Proc, upstream: Proc, ours: o.Ours, cfg: BenchConfig, size: int) -> Result:
    """Time to first token, direct to the upstream and through the gateway, interleaved so drift cancels; and,
    interleaved with them, the two parts of the added time measured apart: a miss's lookup alone (in-process,
    another unique prompt of the same shape) and the OpenAI SDK alone (the service's own LLM client class, to
    the same upstream, from this process)."""
    direct_conn, cache_conn = Connection("127.0.0.1", upstream.port), Connection("127.0.0.1", svc.port)
    handle = await start_llm(ours.settings)
    direct, through, statuses, lookups, sdk = [], [], [], [], []
    try:
        for i in range(cfg.miss_requests + 3):
            unique = f"{size}-{i}-{time.time_ns()}: which unique question is this?"
            t0 = time.perf_counter()
            await ours.cache.lookup(f"Benchmark lookup {unique}", o.SCOPE)
            lookup_s = time.perf_counter() - t0
            sdk_s = await _sdk_ttft(handle.llm, o.chat_body(f"Benchmark SDK {unique}", stream=True))
            body = o.chat_body(f"Benchmark miss {unique}", stream=True)
            t0 = time.perf_counter()
            r = await direct_conn.post("/v1/chat/completions", body, first_marker=b"A fixed")
            d = r.first_byte_s - t0
            t0 = time.perf_counter()
            r = await cache_conn.post("/v1/chat/completions", body, first_marker=b"A fixed")
            if i >= 3:  # warm-up
                direct.append(d)
                through.append(r.first_byte_s - t0)
                statuses.append(r.headers.get("x-semcache-status", ""))
                lookups.append(lookup_s)
                sdk.append(sdk_s)
    finally:
        await direct_conn.close()
        await cache_conn.close()
        await handle.aclose()
    added = [t - d for t, d in zip(through, direct, strict=True)]
    return {
        "upstream_delay_ms": cfg.upstream_delay_ms,
        "direct_ttft": summarize(direct),
        "through_ttft": summarize(through),
        "added_ttft": summarize(added),
        "miss_lookup": summarize(lookups),
        "sdk_added_ttft": summarize([s - d for s, d in zip(sdk, direct, strict=True)]),
        "miss_rate": round(statuses.count("MISS") / max(len(statuses), 1), 3),
    }


async def _sdk_ttft(llm: Any, body: bytes) -> float:
    """Seconds to the first content chunk through the LLM client the service uses (the whole stream is read,
    as the gateway does, so the connection goes back to the pool)."""
    request = ChatRequest.model_validate_json(body)
    t0 = time.perf_counter()
    first = None
    async for chunk in llm.stream(request):
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter()
    return (first or time.perf_counter()) - t0


async def measure_peers(peers: dict[str, Any], semantic: list[str], cfg: BenchConfig, ours: o.Ours) -> Result:
    out: Result = {}
    n = cfg.latency_requests
    if "redisvl" in peers:
        rvl = peers["redisvl"]
        call = rvl.call()
        out["redisvl"] = {
            "semantic": (await sequential(call, semantic, n=n)).as_dict(),
            "throughput_semantic": await _loads(call, semantic, cfg, cfg.concurrency),
        }
        rvl.use_embedder(ours.embedder)
        out["redisvl_with_semcache_embedder"] = {
            "throughput_semantic": await _loads(
                rvl.call(), semantic, cfg, (32,) if 32 in cfg.concurrency else cfg.concurrency[-1:]
            ),
        }
        rvl.vectorizer._aembed_func = rvl.plain_aembed
    if "gptcache" in peers:
        call_sync = peers["gptcache"].call()
        levels: Result = {}
        for c in cfg.concurrency:
            run = await asyncio.to_thread(
                threaded_loop,
                call_sync,
                semantic,
                concurrency=c,
                seconds=cfg.seconds_per_load,
                max_requests=cfg.max_requests_per_load,
            )
            levels[str(c)] = run.as_dict()
        seq = await asyncio.to_thread(threaded_sequential, call_sync, semantic, n=n)
        out["gptcache"] = {"semantic": seq.as_dict(), "throughput_semantic": levels}
    return out


HEAD_TO_HEAD_ROUNDS = 4


async def head_to_head(
    svc: Proc,
    ours: o.Ours,
    model: OnnxMiniLM,
    peers: dict[str, Any],
    semantic: list[str],
    cfg: BenchConfig,
    *,
    concurrency: int = 32,
) -> Result:
    """Semantic hits/s at one concurrency, semcache (HTTP and in-process) and RedisVL taking turns in short
    windows, so load from elsewhere on a shared machine falls on all of them alike: the ratios come from here.
    Two more turns bound them: semcache's embedder alone at the same concurrency, and the model alone (its
    threads embedding back to back, no event loop): no cache that embeds each query serves more hits/s."""
    calls: dict[str, Any] = {"inproc": o.inproc_call(ours, "semantic")}
    pool = o.HttpPool("127.0.0.1", svc.port, concurrency)
    calls["http"] = o.search_call(pool, "semantic")
    if "redisvl" in peers:
        calls["redisvl"] = peers["redisvl"].call()
    calls["embedder"] = floor.embed_call(ours.embedder)
    totals = {name: [0, 0.0, 0] for name in [*calls, "model"]}  # requests, seconds, ok
    window = cfg.seconds_per_load / HEAD_TO_HEAD_ROUNDS
    threads = default_threads(ours.settings.embed_threads)
    try:
        for _ in range(HEAD_TO_HEAD_ROUNDS):
            for name, call in calls.items():
                run = await closed_loop(
                    call, semantic, concurrency=concurrency, seconds=window, max_requests=cfg.max_requests_per_load
                )
                totals[name][0] += run.requests
                totals[name][1] += run.seconds
                totals[name][2] += run.ok
            done, secs = await asyncio.to_thread(floor.ceiling, model, semantic, threads=threads, seconds=window)
            totals["model"][0] += done
            totals["model"][1] += secs
            totals["model"][2] += done
    finally:
        await pool.close()
    return {
        "concurrency": concurrency,
        "rounds": HEAD_TO_HEAD_ROUNDS,
        "model_threads": threads,
        **{
            name: {"rps": round(n / secs, 1) if secs else 0.0, "ok_rate": round(ok / n, 4) if n else 0.0}
            for name, (n, secs, ok) in totals.items()
        },
    }


async def _fill_all(ours: o.Ours, peers: dict[str, Any], corpus: Corpus, vectors: Matrix, lo: int, hi: int) -> Result:
    out: Result = {}
    mem0 = await redisfacts.used_memory(ours.client)
    t0 = time.perf_counter()
    await o.fill(ours, corpus.entries, vectors, lo, hi)
    await o.wait_indexed(ours.client, ours.store.spec.name, hi)
    secs = time.perf_counter() - t0
    mem1 = await redisfacts.used_memory(ours.client)
    out["semcache"] = {
        "seconds": round(secs, 3),
        "entries_per_s": round((hi - lo) / secs, 1),
        "memory_delta": mem1 - mem0,
    }
    if "redisvl" in peers:
        t0 = time.perf_counter()
        await peers["redisvl"].fill(corpus.entries, vectors, lo, hi)
        await o.wait_indexed(ours.client, peers["redisvl"].index_name, hi)
        secs = time.perf_counter() - t0
        mem2 = await redisfacts.used_memory(ours.client)
        out["redisvl"] = {
            "seconds": round(secs, 3),
            "entries_per_s": round((hi - lo) / secs, 1),
            "memory_delta": mem2 - mem1,
        }
    if "gptcache" in peers:
        t0 = time.perf_counter()
        await asyncio.to_thread(peers["gptcache"].fill, corpus.entries, vectors, lo, hi)
        secs = time.perf_counter() - t0
        out["gptcache"] = {"seconds": round(secs, 3), "entries_per_s": round((hi - lo) / secs, 1)}
    return out


def _open_peers(cfg: BenchConfig, url: str, model: OnnxMiniLM, threshold: float) -> tuple[dict[str, Any], Result]:
    peers: dict[str, Any] = {}
    notes: Result = {}
    if not cfg.peers:
        return peers, {"skipped": "peers disabled"}
    if importlib.util.find_spec("redisvl") is not None:
        from bench.peers import RedisVLPeer

        peers["redisvl"] = RedisVLPeer(url, model, distance_threshold=threshold, name="bench-redisvl")
        peers["redisvl"].plain_aembed = peers["redisvl"].vectorizer._aembed_func
        notes["redisvl"] = _version("redisvl")
    else:
        notes["redisvl"] = "not installed (pip install -r bench/requirements.txt)"
    if importlib.util.find_spec("gptcache") is not None and importlib.util.find_spec("faiss") is not None:
        from bench.peers import GPTCachePeer

        peers["gptcache"] = GPTCachePeer(cfg.work_dir / "gptcache", model, distance_threshold=threshold)
        notes["gptcache"] = _version("gptcache")
    else:
        notes["gptcache"] = "not installed (pip install -r bench/requirements.txt)"
    return peers, notes


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


async def run(cfg: BenchConfig) -> Result:
    started = time.perf_counter()
    measured_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    result: Result = {"machine": facts(), "config": _cfg_dict(cfg), "sizes": {}, "measured_at": measured_at}
    cfg.out_dir.mkdir(parents=True, exist_ok=True)  # the profile writes its raw stacks there mid-run
    shutil.rmtree(cfg.work_dir / "redis", ignore_errors=True)
    redis = EmbeddedRedis(cfg.work_dir / "redis")
    url = await redis.start()
    procs: list[Proc] = []
    ours: o.Ours | None = None
    peers: dict[str, Any] = {}
    hf_peer: defaults.HFRedisVL | None = None
    try:
        upstream = await start_upstream(cfg.work_dir, delay_ms=cfg.upstream_delay_ms)
        procs.append(upstream)
        env = service_env(url, upstream.url, cfg.env_overrides)
        ours = await o.open_ours(url, env)
        result["machine"]["redis_version"] = await redisfacts.redis_version(ours.client)
        result["settings"] = {
            "EF_RUNTIME": ours.settings.ef_runtime,
            "HNSW_M": ours.settings.hnsw_m,
            "EMBED_BATCH_MAX": ours.settings.embed_batch_max,
            "CACHE_TOP_K": ours.settings.cache_top_k,
            "distance_threshold": ours.settings.distance_threshold,
            "CACHE_VERIFY": ours.settings.cache_verify,
            "CACHE_AUDIT_RATE": ours.settings.cache_audit_rate,
        }
        model = OnnxMiniLM(int8=ours.settings.embed_int8, cache_dir=ours.settings.model_cache_dir)
        model.load()
        vectors_dir = cfg.work_dir / "embeddings" / model.model_id
        _log(f"corpus: {cfg.largest} entries")
        corpus = load_corpus(cfg.largest)
        vectors, embed_s = embed_all(corpus.entries, model.encode, vectors_dir)
        qvectors, _ = embed_all([b for _, b in corpus.pairs], model.encode, vectors_dir)
        result["corpus"] = {
            "entries": len(corpus.entries),
            "pairs": len(corpus.pairs),
            "embed_seconds": round(embed_s, 1),
        }
        svc = await start_service(cfg.work_dir, env)
        procs.append(svc)
        peers, result["peers"] = _open_peers(cfg, url, model, ours.settings.distance_threshold)
        hf_peer, result["defaults"] = defaults.open_peer(url, cfg) if cfg.peers else (None, {"skipped": "peers off"})
        hf_filled = 0
        base_mem = await redisfacts.used_memory(ours.client)
        prev = 0
        for size in cfg.sizes:
            _log(f"size {size}: filling")
            r: Result = {"fill": await _fill_all(ours, peers, corpus, vectors, prev, size)}
            prev = size
            mem = await redisfacts.used_memory(ours.client)
            r["redis_used_memory"] = mem - base_mem
            near = redisfacts.perturbed(vectors[:size], range(0, size, max(1, size // cfg.recall_queries)))
            r["recall"] = {
                "paraphrase_queries": await redisfacts.recall_at_1(
                    ours.store, o.SCOPE, vectors[:size], qvectors, sample=cfg.recall_queries
                ),
                "perturbed_entries": await redisfacts.recall_at_1(
                    ours.store, o.SCOPE, vectors[:size], near, sample=cfg.recall_queries
                ),
            }
            r["knn_profile"] = await redisfacts.knn_profile(ours.store, o.SCOPE, qvectors)
            semantic = await o.semantic_queries(ours, corpus.pairs)
            exact = corpus.entries[: min(size, 1000)]
            r["queries"] = {"semantic_hits": len(semantic), "of_pairs": len(corpus.pairs), "exact": len(exact)}
            if not semantic:
                raise RuntimeError("no paraphrase pair is a semantic hit: nothing to measure")
            _log(f"size {size}: in-process")
            r["inproc"] = await measure_inproc(ours, model, exact, semantic, cfg)
            _log(f"size {size}: HTTP")
            r["http"] = await measure_http(svc, exact, semantic, cfg)
            _log(f"size {size}: miss overhead")
            r["miss"] = await measure_miss(svc, upstream, ours, cfg, size)
            if peers:
                _log(f"size {size}: peers")
                r["peers"] = await measure_peers(peers, semantic, cfg, ours)
            _log(f"size {size}: head to head at c=32")
            r["head_to_head"] = await head_to_head(svc, ours, model, peers, semantic, cfg)
            if cfg.verifier_off:
                _log(f"size {size}: head to head at c=32, verifier off")
                r["verifier_off"] = await measure_verifier_off(env, peers, semantic, cfg)
            if hf_peer is not None and size <= cfg.hf_max_size:
                _log(f"size {size}: default against default (RedisVL + sentence-transformers)")
                result["defaults"]["sizes"][str(size)] = await defaults.measure_defaults(
                    hf_peer, svc, ours, corpus, semantic, cfg, filled=hf_filled, size=size
                )
                hf_filled = size
            if cfg.mix and size == cfg.largest:
                _log(f"size {size}: realistic mix")
                r["mix"] = await measure_mix(ours, svc.port, upstream.url, model, peers, exact, semantic, cfg)
            result["sizes"][str(size)] = r
            if size == cfg.largest:
                result["profile"] = await _profile(svc, semantic, cfg)
                if cfg.ablation:
                    result["ablation"] = await _ablation(cfg, env, exact, semantic)
        if cfg.batching:
            _log("batching: by batch size and by concurrency")
            threads = default_threads(ours.settings.embed_threads)
            queries = [b for _, b in corpus.pairs]
            result["batching"] = await batching.measure(
                threads, queries, seconds=cfg.seconds_per_load, levels=cfg.concurrency
            )
    finally:
        if hf_peer is not None:
            peers["redisvl_hf"] = hf_peer  # closed (its index dropped) with the others
        for peer in peers.values():
            try:
                if hasattr(peer, "close"):
                    closed = peer.close()
                    if asyncio.iscoroutine(closed):
                        await closed
            except Exception as e:  # a peer's shutdown must not hide the results
                _log(f"peer close failed: {e}")
        if ours is not None:
            await ours.close()
        for p in procs:
            p.stop()
        await redis.stop()
    result["machine"]["load_average_at_end"] = load_average()
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


async def _profile(svc: Proc, semantic: list[str], cfg: BenchConfig) -> Result:
    if cfg.profile_seconds <= 0:
        return {"skipped": "profile disabled"}
    out = cfg.work_dir / "profile.txt"
    out.unlink(missing_ok=True)
    spy = profile.start(svc.proc.pid, out, seconds=cfg.profile_seconds)
    if spy is None:
        return {"skipped": "py-spy not installed"}
    pool = o.HttpPool("127.0.0.1", svc.port, 32)
    try:
        await asyncio.sleep(0.5)  # py-spy attaches
        run = await closed_loop(
            o.search_call(pool, "semantic"),
            semantic,
            concurrency=32,
            seconds=cfg.profile_seconds,
            max_requests=cfg.max_requests_per_load * 4,
        )
    finally:
        await pool.close()
    await asyncio.to_thread(spy.wait, 60)
    text = out.read_text() if out.exists() else ""
    if not text:
        return {"skipped": f"py-spy produced no samples (exit {spy.returncode})"}
    (cfg.out_dir / "benchmarks-profile.txt").write_text(text)
    return {
        "workload": "POST /cache/search semantic hits, concurrency 32",
        "rps_while_profiled": run.rps,
        "shares_percent": profile.categorize(text),
    }


async def _ablation(cfg: BenchConfig, env: dict[str, str], exact: list[str], semantic: list[str]) -> Result:
    """The same service on plain asyncio + h11 (what `semcache serve` runs without uvloop/httptools)."""
    out: Result = {}
    for loop, http in (("asyncio", "h11"), ("auto", "auto")):
        svc = await start_service(cfg.work_dir, env, loop=loop, http=http)
        pool = o.HttpPool("127.0.0.1", svc.port, 32)
        try:
            out[f"{loop}+{http}"] = {
                "search_exact": (
                    await sequential(o.search_call(pool, "exact"), exact, n=cfg.latency_requests)
                ).as_dict(),
                "search_semantic": (
                    await sequential(o.search_call(pool, "semantic"), semantic, n=cfg.latency_requests)
                ).as_dict(),
                "throughput_search_semantic_32": (
                    await closed_loop(
                        o.search_call(pool, "semantic"),
                        semantic,
                        concurrency=32,
                        seconds=cfg.seconds_per_load,
                        max_requests=cfg.max_requests_per_load,
                    )
                ).as_dict(),
            }
        finally:
            await pool.close()
            svc.stop()
    return out


def _cfg_dict(cfg: BenchConfig) -> Result:
    d = {k: getattr(cfg, k) for k in cfg.__dataclass_fields__}
    plain: Result = json.loads(json.dumps(d, default=str))
    return plain


def write_json(result: Result, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, default=lambda x: float(x) if isinstance(x, np.floating) else str(x)))


__all__ = ["Run", "run", "write_json"]
