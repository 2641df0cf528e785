"""The second stage's model (the *reader*): reads both prompts word piece by word piece, as the embedder
sees them, and says how likely the cached one asks the same.

An embedding averages a prompt's word pieces, so "flights from Boston to Denver" and "from Denver to
Boston" land at cosine 0.99. The reader keeps the pieces apart: it is a small attention head over the
last hidden states of the same int8 MiniLM the cache embeds with, trained offline
(tools/verifier_train/, card in `data/reader.json`) on labelled and generated pairs. Each piece of one
prompt aligns with the other prompt, compares itself with what it aligned to and where that sits, and the
comparisons become one logit. The pair model (`model.py`) takes that logit as one more feature beside the
similarity and the word features, so the final probability stays calibrated.

It runs on the nearest candidate only, after the similarity threshold: exact hits and far misses never
reach it. A prompt's hidden states are kept in a small LRU (keyed by the normalised text), so a hot
entry's side costs nothing the second time. Blocking work runs in `threads` threads of its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from semcache.embeddings.local import OnnxMiniLM
from semcache.normalize import normalize_text

if TYPE_CHECKING:
    import onnxruntime

__all__ = ["MAX_PIECES", "SHIPPED", "Reader", "ReaderModel", "shipped_path"]

SHIPPED = "data/reader.onnx"
#: Word pieces read per prompt ([CLS] and [SEP] included), as in training.
MAX_PIECES = 64

States = np.ndarray


def shipped_path() -> Path:
    return Path(str(resources.files("semcache").joinpath(SHIPPED)))


class _Lru:
    """Hidden states by normalised text; thread-safe, bounded by entries."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, States] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[str], States]) -> States:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        value = compute(key)
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


class ReaderModel:
    """Blocking: the encoder and the head. Load with `load()`, never in the constructor."""

    def __init__(self, path: Path | None = None, *, cache_size: int = 4096, encoder: OnnxMiniLM | None = None) -> None:
        """`encoder`: the int8 MiniLM the local embedder already loaded, shared (its session is thread-safe);
        otherwise the reader loads its own."""
        self._path = path
        self._owns_encoder = encoder is None
        self._encoder = encoder or OnnxMiniLM(threads=1)
        self._head: onnxruntime.InferenceSession | None = None
        self._cache = _Lru(cache_size)

    def load(self) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        if not self._encoder.loaded:
            self._encoder.load()
        path = self._path or shipped_path()
        self._head = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def states(self, text: str) -> States:
        """A prompt's hidden states as the reader reads them (normalised as the cache keys it)."""
        return self._cache.get(normalize_text(text), self._compute)

    def _compute(self, normalized: str) -> States:
        hidden: States = self._encoder.token_states(normalized)[1][:MAX_PIECES]
        return hidden.astype(np.float32)

    def logit(self, query: States, cached: States) -> float:
        if self._head is None:
            raise RuntimeError("reader used before load()")
        feed = {
            "q": query[None], "qm": np.ones((1, len(query)), dtype=np.float32),
            "c": cached[None], "cm": np.ones((1, len(cached)), dtype=np.float32),
        }  # fmt: skip
        out = self._head.run(None, feed)[0]
        return float(out[0])

    def close(self) -> None:
        if self._owns_encoder:
            self._encoder.close()


class Reader:
    """The async face the cache calls: `score(query, cached)` -> the reader's logit."""

    def __init__(self, model: ReaderModel | None = None, *, threads: int = 2) -> None:
        self._model = model or ReaderModel()
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="reader")
        await asyncio.get_running_loop().run_in_executor(self._pool, self._model.load)

    async def score(self, query: str, cached: str) -> float:
        """Both sides' states at once (one on each thread), then the head."""
        if self._pool is None:
            raise RuntimeError("reader used before start()")
        loop = asyncio.get_running_loop()
        q, c = await asyncio.gather(
            loop.run_in_executor(self._pool, self._model.states, query),
            loop.run_in_executor(self._pool, self._model.states, cached),
        )
        return self._model.logit(q, c)

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._model.close()
