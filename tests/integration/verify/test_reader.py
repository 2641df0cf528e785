"""The second stage's model on the real int8 MiniLM and onnxruntime: what it reads does not depend on
whether the encoder is shared with the embedder, on its cache, or on what else is in flight."""

from __future__ import annotations

import asyncio

from semcache.embeddings.local import LocalEmbedder
from semcache.verify.reader import Reader, ReaderModel

PAIRS = [
    ("Flights from Boston to Denver", "Flights from Denver to Boston"),
    ("How do I reset my password?", "How can I reset my password?"),
    ("Cancel my subscription", "Don't cancel my subscription"),
]


async def _logits(reader: Reader) -> list[float]:
    await reader.start()
    try:
        first = [await reader.score(q, c) for q, c in PAIRS]
        again = await asyncio.gather(*(reader.score(q, c) for q, c in PAIRS))  # from the LRU, concurrently
        assert list(again) == first
        return first
    finally:
        await reader.aclose()


async def test_a_shared_encoder_reads_the_same_as_the_readers_own() -> None:
    own = await _logits(Reader(ReaderModel()))
    embedder = LocalEmbedder(threads=1)
    await embedder.start()
    try:
        shared = await _logits(Reader(ReaderModel(encoder=embedder.model)))
        # The embedder still works after the reader closed: the reader does not close what it borrowed.
        assert len((await embedder.embed(["still here"]))[0]) == embedder.dims
    finally:
        await embedder.aclose()
    assert shared == own


async def test_the_reader_is_not_symmetric_by_accident_but_is_deterministic() -> None:
    first = await _logits(Reader(ReaderModel(cache_size=0)))
    second = await _logits(Reader(ReaderModel(cache_size=0)))
    assert first == second
