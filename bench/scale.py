"""The scale run (`semcache bench --million`): a cache of 1,000,000 entries filled through the import path with
precomputed vectors, measured at a 10k reference, at 100k and at the full size in one run, then restarted.

Where the million come from. The bench's real corpus (bench/data.py, 100k prompts, embedded once and kept in
the work dir's embedding cache) is rows 0..99,999, so the 10k and 100k checkpoints hold exactly what the main
run holds at those sizes. Row i beyond that is variant k = i // 100,000 of real row p = i % 100,000: the prompt
"<prompt p> [variant k]" and the vector of p plus Gaussian noise (sigma NOISE_SIGMA per dimension, seeded by the
batch), renormalised: about 0.15 in cosine distance from its parent, so every real prompt gets a cloud of nine
near neighbours, the clustered shape a busy cache has. Not uniform random vectors: on the 384-sphere those are
all ~1.0 apart with no structure, the worst case for HNSW's graph (high intrinsic dimension, recall falls)
and yet a trivial one for the hit (nothing near the query but its own entry), so they would err both ways.

The semantic-hit queries are the real paraphrases (the `b` side of labelled pairs) whose `a` side is among the
real rows, so they are in the cache at every checkpoint, as in the main run.

Every entry goes through /cache/import's own code (admission, vector reuse, `SemanticCache.put` with WRITERS in
flight), IMPORT_CLIENTS batches of MAX_LINES at a time, as that many `semcache import` clients would send them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import redis.asyncio as aioredis
from redis.exceptions import BusyLoadingError, ConnectionError, ResponseError

from bench import ours as o
from bench import redisfacts
from bench.config import BenchConfig
from bench.data import Corpus, Matrix, embed_all, load_corpus
from bench.load import sequential
from bench.machine import facts, load_average
from bench.services import Proc, service_env, start_service, start_upstream
from bench.stats import summarize
from semcache.api.routes import transfer as import_route
from semcache.auth import Principal
from semcache.cache.query import check_tags
from semcache.embeddings.local import OnnxMiniLM
from semcache.local.process import free_port
from semcache.local.redis import EmbeddedRedis
from semcache.schemas.transfer import EntryLine
from semcache.transfer import MAX_LINES, Parsed, reusable_vector

__all__ = [
    "NOISE_SIGMA",
    "REAL_ROWS",
    "ScaleConfig",
    "checkpoints",
    "entry_rows",
    "entry_shape",
    "run_scale",
]

Result = dict[str, Any]
REAL_ROWS = 100_000  # the real corpus; rows beyond are its seeded noisy variants
NOISE_SIGMA = 0.03  # per dimension: E[cos(parent, variant)] = 1/sqrt(1 + 384 sigma^2) ~ 0.86
IMPORT_CLIENTS = 4
SEED = 20_261_207


class ScaleConfig:
    def __init__(
        self, bench: BenchConfig, *, size: int = 1_000_000, reference: int = 10_000, real_rows: int = REAL_ROWS
    ) -> None:
        self.bench = bench
        self.size = size
        self.reference = min(reference, size)
        self.real_rows = min(real_rows, size)

    @property
    def json_path(self) -> Path:
        return self.bench.out_dir / "benchmarks-1m.json"


def checkpoints(size: int, reference: int) -> tuple[int, ...]:
    """The sizes measured on the way: the reference, 100k and 500k when between, and the full size (500k also
    keeps figures if a run on a busy machine must stop before 1M)."""
    return tuple(sorted({reference, *(s for s in (100_000, 500_000) if reference < s < size), size}))


def entry_rows(corpus: Corpus, real: Matrix, lo: int, hi: int) -> tuple[list[str], Matrix]:
    """Prompts and vectors of rows lo..hi: real rows as they are, later rows as seeded noisy variants."""
    n = len(real)
    texts = [corpus.entries[i] if i < n else f"{corpus.entries[i % n]} [variant {i // n}]" for i in range(lo, hi)]
    parents = np.arange(lo, hi) % n
    vectors = real[parents].copy()
    synthetic = np.arange(lo, hi) >= n
    if synthetic.any():
        rng = np.random.default_rng([SEED, lo])
        noisy = vectors[synthetic] + rng.normal(0, NOISE_SIGMA, (int(synthetic.sum()), real.shape[1]))
        vectors[synthetic] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    return texts, vectors.astype(np.float32)


def entry_shape(corpus: Corpus, real_rows: int, size: int) -> Result:
    """Average stored prompt and answer bytes over all rows: the shape the calculator is calibrated on."""
    real = [len(corpus.entries[i].encode()) for i in range(real_rows)]
    prompts = sum(
        real[i % real_rows] + (len(f" [variant {i // real_rows}]") if i >= real_rows else 0) for i in range(size)
    )
    answers = sum(len(o.answer_for(i).encode()) for i in range(size))
    return {"prompt_bytes_avg": round(prompts / size, 1), "answer_bytes_avg": round(answers / size, 1)}


def _lines(texts: list[str], vectors: Matrix, lo: int, fingerprint: str) -> list[Parsed]:
    """What parse_lines makes of an export with vectors, built directly (no 4 KB of JSON per line)."""
    out = []
    for j, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
        line = EntryLine(
            prompt=text,
            response=o.answer_for(lo + j),
            scope=dict(o.SCOPE),
            embedder=fingerprint,
            embedding=vector.tolist(),
        )
        out.append(Parsed(j + 1, line, check_tags(line.tags)))
    return out


async def _import_batch(ours: o.Ours, parsed: list[Parsed]) -> int:
    """One /cache/import request's work, by the route's own functions."""
    spec, embedder = ours.store.spec, ours.embedder
    admin = Principal(tenant="default", is_admin=True)
    ready, refused = import_route._admit(
        parsed, admin, fields=spec.scope_fields, max_prompt_chars=ours.settings.max_prompt_chars
    )
    vectors = [reusable_vector(p.line, fingerprint=embedder.fingerprint, dims=embedder.dims) for p, _ in ready]
    if refused or any(v is None for v in vectors):
        raise RuntimeError(f"import refused lines or would re-embed them: {refused[:3]}")
    await import_route._store_all(ours.cache, ready, vectors, ours.settings.cache_ttl)
    return len(ready)


async def fill(ours: o.Ours, corpus: Corpus, real: Matrix, lo: int, hi: int, *, log: Callable[[str], None]) -> int:
    """Rows lo..hi through the import path; returns how many were imported."""
    done, queue = 0, list(range(lo, hi, MAX_LINES))
    fp = ours.embedder.fingerprint

    async def client() -> None:
        nonlocal done
        while queue:
            start = queue.pop(0)
            texts, vectors = entry_rows(corpus, real, start, min(start + MAX_LINES, hi))
            imported = await _import_batch(ours, _lines(texts, vectors, start, fp))
            done += imported  # after the await: `done += await ...` would lose the other clients' counts
            if (start // MAX_LINES) % 50 == 0:
                log(f"imported {lo + done:,} of {hi:,}")

    await asyncio.gather(*(client() for _ in range(IMPORT_CLIENTS)))
    return done


def _decode(x: Any) -> Any:
    if isinstance(x, list):
        return [_decode(y) for y in x]
    return x.decode() if isinstance(x, bytes) else x


async def ft_info(client: aioredis.Redis, index: str) -> dict[str, Any]:
    raw = _decode(await client.execute_command("FT.INFO", index))  # type: ignore[no-untyped-call]
    return dict(zip(raw[::2], raw[1::2], strict=False))


async def index_memory(client: aioredis.Redis, index: str) -> Result:
    """FT.INFO's own sizes (MB) of the index: the total and its parts."""
    info = await ft_info(client, index)
    parts = {k: float(v) for k, v in info.items() if k.endswith("_mb") and isinstance(v, str | int | float)}
    return {"num_docs": int(info.get("num_docs", 0)), "sizes_mb": parts}


async def _settled(client: aioredis.Redis, index: str, expected: int) -> None:
    """Indexing done and no AOF rewrite running: nothing in the background while latency is measured."""
    await o.wait_indexed(client, index, expected, timeout_s=3600)
    while True:
        if not int((await client.info("persistence")).get("aof_rewrite_in_progress", 0)):
            return
        await asyncio.sleep(0.5)


async def _inproc(ours: o.Ours, semantic: list[str], n: int) -> Result:
    stages: dict[str, list[float]] = {"lookup_ms": [], "embed_ms": [], "search_ms": []}
    for prompt in (semantic * (n // max(len(semantic), 1) + 1))[:n]:
        t0 = time.perf_counter()
        lookup = await ours.cache.lookup(prompt, o.SCOPE)
        stages["lookup_ms"].append(time.perf_counter() - t0)
        stages["embed_ms"].append(lookup.embed_ms / 1000)
        stages["search_ms"].append(lookup.search_ms / 1000)
        await ours.cache.drain()
    return {k: summarize(v) for k, v in stages.items()}


async def measure(ours: o.Ours, svc: Proc, corpus: Corpus, qvectors: Matrix, size: int, n: int) -> Result:
    semantic = await o.semantic_queries(ours, corpus.pairs)
    if not semantic:
        raise RuntimeError(f"at {size}: no paraphrase pair is a semantic hit")
    pool = o.HttpPool("127.0.0.1", svc.port, 1)
    try:
        http = (await sequential(o.search_call(pool, "semantic"), semantic, n=n)).as_dict()
        gateway = (await sequential(o.gateway_call(pool, "HIT-SEMANTIC"), semantic, n=n)).as_dict()
    finally:
        await pool.close()
    return {
        "semantic_hits": len(semantic),
        "of_pairs": len(corpus.pairs),
        "http_search_semantic": http,
        "http_gateway_semantic": gateway,
        "inproc_semantic": await _inproc(ours, semantic, n),
        "knn_profile": await redisfacts.knn_profile(ours.store, o.SCOPE, qvectors),
    }


async def _memory(ours: o.Ours, base: int, entries: int) -> Result:
    used = await redisfacts.used_memory(ours.client) - base
    index = await index_memory(ours.client, ours.store.spec.name)
    # Redis 8's total_index_memory_sz_mb leaves out the vector index (it is the sum of the other parts).
    total_mb = index["sizes_mb"].get("total_index_memory_sz_mb", 0.0) + index["sizes_mb"].get("vector_index_sz_mb", 0.0)
    return {
        "entries": entries,
        "used_memory_bytes": used,
        "used_memory_per_entry": round(used / max(entries, 1)),
        "index": index,
        "index_bytes_per_entry": round(total_mb * 1024 * 1024 / max(entries, 1)),
    }


async def _poll(client: aioredis.Redis, probe: Callable[[], Coroutine[Any, Any, bool]], t0: float) -> float:
    while True:
        try:
            if await probe():
                return round(time.perf_counter() - t0, 2)
        except (BusyLoadingError, ConnectionError, ResponseError, OSError):
            pass
        await asyncio.sleep(0.1)


async def restart(redis: EmbeddedRedis, svc: Proc, index: str, semantic: str, expected: int) -> Result:
    """Stop Redis (SIGTERM: a SHUTDOWN that flushes the AOF), start it on the same data dir and port, and time
    until it answers, has loaded its data, has its index complete, and the service answers a semantic hit."""
    t0 = time.perf_counter()
    await redis.stop()
    stop_s = time.perf_counter() - t0
    files = {p.name: p.stat().st_size for p in (redis.data_dir / "appendonlydir").glob("*")}
    t0 = time.perf_counter()
    await redis.start(wait_loaded=False)
    answering = round(time.perf_counter() - t0, 2)
    client = aioredis.Redis.from_url(redis.url, protocol=2)
    pool = o.HttpPool("127.0.0.1", svc.port, 1)
    hit = o.search_call(pool, "semantic")
    try:

        async def loaded() -> bool:
            return int((await client.info("persistence")).get("loading", 1)) == 0

        async def indexed() -> bool:
            info = await ft_info(client, index)
            return (
                int(info.get("num_docs", 0)) >= expected
                and str(info.get("indexing")) == "0"
                and float(info.get("percent_indexed", 0)) >= 1.0
            )

        async def hits() -> bool:
            return await hit(semantic)

        out = {"stop_seconds": round(stop_s, 2), "aof_files_bytes": files, "answering_seconds": answering}
        out["loaded_seconds"] = await _poll(client, loaded, t0)
        out["indexed_seconds"] = await _poll(client, indexed, t0)
        out["semantic_hit_seconds"] = await _poll(client, hits, t0)
        return out
    finally:
        await pool.close()
        await client.aclose()


def _save(path: Path, result: Result) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, default=str))


async def run_scale(scfg: ScaleConfig, *, log: Callable[[str], None] = print) -> Result:
    """Fill to each checkpoint, measure there, restart at the end. The JSON is rewritten after every phase,
    so a run stopped early keeps what it measured."""
    cfg = scfg.bench
    started = time.perf_counter()
    result: Result = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": facts(),
        "size": scfg.size,
        "reference": scfg.reference,
        "method": {"real_rows": scfg.real_rows, "noise_sigma": NOISE_SIGMA, "seed": SEED, "clients": IMPORT_CLIENTS},
        "checkpoints": {},
    }
    data_dir = cfg.work_dir / "redis-scale"
    import shutil

    shutil.rmtree(data_dir, ignore_errors=True)
    redis = EmbeddedRedis(data_dir, port=free_port())  # a fixed port: the service reconnects after the restart
    url = await redis.start()
    procs: list[Proc] = []
    ours: o.Ours | None = None
    try:
        upstream = await start_upstream(cfg.work_dir, delay_ms=cfg.upstream_delay_ms)
        procs.append(upstream)
        env = service_env(url, upstream.url, cfg.env_overrides)
        ours = await o.open_ours(url, env)
        result["settings"] = {"EF_RUNTIME": ours.settings.ef_runtime, "HNSW_M": ours.settings.hnsw_m}
        model = OnnxMiniLM(int8=ours.settings.embed_int8, cache_dir=ours.settings.model_cache_dir)
        model.load()
        vectors_dir = cfg.work_dir / "embeddings" / model.model_id
        corpus = load_corpus(scfg.real_rows)
        real, embed_s = embed_all(corpus.entries, model.encode, vectors_dir)
        qvectors, _ = embed_all([b for _, b in corpus.pairs], model.encode, vectors_dir)
        result["corpus"] = {"real_entries": len(real), "pairs": len(corpus.pairs), "embed_seconds": round(embed_s, 1)}
        result["entry_shape"] = {"dims": int(real.shape[1]), **entry_shape(corpus, len(real), scfg.size)}
        svc = await start_service(cfg.work_dir, env)
        procs.append(svc)
        base = await redisfacts.used_memory(ours.client)
        prev, fill_s = 0, 0.0
        for size in checkpoints(scfg.size, scfg.reference):
            log(f"scale: filling to {size:,}")
            t0 = time.perf_counter()
            imported = await fill(ours, corpus, real, prev, size, log=log)
            written_s = time.perf_counter() - t0
            await _settled(ours.client, ours.store.spec.name, size)
            fill_s += time.perf_counter() - t0
            cp: Result = {
                "fill": {
                    "imported": imported,
                    "write_seconds": round(written_s, 1),
                    "indexed_seconds": round(time.perf_counter() - t0, 1),
                    "cumulative_seconds": round(fill_s, 1),
                    "entries_per_s": round(imported / max(time.perf_counter() - t0, 1e-9), 1),
                },
                "memory": await _memory(ours, base, size),
            }
            log(f"scale: measuring at {size:,}")
            cp.update(await measure(ours, svc, corpus, qvectors, size, cfg.latency_requests))
            result["checkpoints"][str(size)] = cp
            prev = size
            _save(scfg.json_path, result)
        log("scale: restart")
        semantic = await o.semantic_queries(ours, corpus.pairs)
        result["restart"] = await restart(redis, svc, ours.store.spec.name, semantic[0], scfg.size)
        _save(scfg.json_path, result)
    finally:
        if ours is not None:
            await ours.close()
        for p in procs:
            p.stop()
        await redis.stop()
    result["machine"]["load_average_at_end"] = load_average()
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    _save(scfg.json_path, result)
    return result
