"""What dynamic batching would buy, and why the embedder does not batch (issue #34, item 1).

- by batch size: one onnxruntime thread embedding B texts at a time, cut into length buckets and padded, with
  the shipped int8 model, and how far a text's vector moves inside a batch from the same text embedded alone (the int8
  activations take one scale over the whole batch, so a row depends on its neighbours);
- by concurrency: the shipped embedder (`LocalEmbedder`, each text alone on its model threads) from the event
  loop at c concurrent callers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.load import closed_loop
from semcache.embeddings.local import MAX_TOKENS, LocalEmbedder, model_file, tokenizer_file
from semcache.embeddings.quantize import int8_model

__all__ = ["BATCH_SIZES", "PaddedModel", "by_batch_size", "by_concurrency", "measure"]

Result = dict[str, Any]
BATCH_SIZES = (1, 2, 4, 8, 16, 32)
ROUNDS = 3


class PaddedModel:
    """The shipped int8 graph on one intra-op thread, fed padded batches (what a batcher would run)."""

    def __init__(self, cache_dir: Any = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        path = int8_model(model_file(), cache_dir)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file()))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()  # to the longest text of each batch

    def tokens(self, text: str) -> list[int]:
        ids: list[int] = self.tokenizer.encode(text).ids
        return ids

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden: np.ndarray = self.session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        unit: np.ndarray = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return unit


def _windows(model: PaddedModel, texts: Sequence[str], size: int) -> list[list[str]]:
    """Texts in arrival order, `size` at a time, each window cut into length buckets (a text at most 25% + 2
    tokens longer than the shortest of its bucket), as a batcher would to limit padding."""
    out: list[list[str]] = []
    for i in range(0, len(texts) - size + 1, size):
        window = sorted(texts[i : i + size], key=lambda t: len(model.tokens(t)))
        bucket: list[str] = []
        for text in window:
            if bucket and len(model.tokens(text)) > 1.25 * len(model.tokens(bucket[0])) + 2:
                out.append(bucket)
                bucket = []
            bucket.append(text)
        out.append(bucket)
    return out


def by_batch_size(model: PaddedModel, texts: Sequence[str], *, seconds: float) -> Result:
    """Texts/s at each batch size (the sizes taking turns, ROUNDS windows each) and the lowest cosine between
    a text's row in a batch and the same text embedded alone."""
    alone = {t: model.embed([t])[0] for t in texts[:256]}
    totals = {b: [0, 0.0] for b in BATCH_SIZES}
    for _ in range(ROUNDS):
        for size in BATCH_SIZES:
            windows, done, started = _windows(model, texts, size), 0, time.perf_counter()
            for window in windows:
                model.embed(window)
                done += len(window)
                if time.perf_counter() - started > seconds / ROUNDS:
                    break
            totals[size][0] += done
            totals[size][1] += time.perf_counter() - started
    out: Result = {}
    for size, (n, secs) in totals.items():
        worst = 1.0
        for window in _windows(model, list(alone), size):
            rows = model.embed(window)
            worst = min(worst, *(float(rows[i] @ alone[t]) for i, t in enumerate(window)))
        out[str(size)] = {"texts_per_s": round(n / secs, 1) if secs else 0.0, "worst_cosine_to_alone": round(worst, 4)}
    return out


async def by_concurrency(threads: int, texts: Sequence[str], *, levels: Sequence[int], seconds: float) -> Result:
    """{c: {texts_per_s, p50_ms, p99_ms}} of the shipped embedder (each text alone on `threads` threads)."""
    embedder = LocalEmbedder(threads=threads)
    await embedder.start()

    async def embed(text: str) -> bool:
        return len(await embedder.embed([text])) == 1

    out: Result = {}
    try:
        for c in levels:
            run = await closed_loop(embed, list(texts), concurrency=c, seconds=seconds, max_requests=50_000)
            out[str(c)] = {
                "texts_per_s": round(run.rps, 1),
                "p50_ms": run.latency["p50_ms"],
                "p99_ms": run.latency["p99_ms"],
            }
    finally:
        await embedder.aclose()
    return out


async def measure(threads: int, texts: Sequence[str], *, seconds: float, levels: Sequence[int]) -> Result:
    model = await asyncio.to_thread(PaddedModel)
    return {
        "model_threads": threads,
        "by_batch_size": await asyncio.to_thread(by_batch_size, model, texts, seconds=seconds),
        "by_concurrency": await by_concurrency(threads, texts, levels=levels, seconds=seconds),
    }
