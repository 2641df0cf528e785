"""The local embedder: a text's vector does not depend on what it is embedded with, nor on what runs beside it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import numpy as np
import pytest

from semcache.embeddings.local import DIMS, MODEL_ID_Q8, LocalEmbedder, OnnxMiniLM


@pytest.fixture(scope="module", params=[True, False], ids=["int8", "float"])
def model(request: pytest.FixtureRequest) -> Iterator[OnnxMiniLM]:
    m = OnnxMiniLM(threads=2, int8=request.param)
    m.load()
    yield m
    m.close()


def test_a_mixed_batch_gives_each_text_its_own_vector(model: OnnxMiniLM) -> None:
    texts = ["hi", "What is the capital of France and why was it chosen historically?", "Reset my password", "ok"]
    batch = model.encode(texts)
    singles = np.stack([model.encode([t])[0] for t in texts])
    # Equal, not close: with int8 compute a batched row used to move by up to cosine 0.98.
    assert np.array_equal(batch, singles)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_an_empty_matrix(model: OnnxMiniLM) -> None:
    assert model.encode([]).shape == (0, DIMS)


async def test_the_embedder_gives_the_same_vectors_alone_and_under_concurrency(model: OnnxMiniLM) -> None:
    texts = [
        f"Question {i}: how do I {'reset' if i % 2 else 'change'} my password?" + " Please." * (i % 5)
        for i in range(24)
    ]
    expected = model.encode(texts)
    embedder = LocalEmbedder(threads=2, int8=model.model_id == MODEL_ID_Q8)
    await embedder.start()
    try:
        together = await asyncio.gather(*(embedder.embed([t]) for t in texts))
        one_call = await embedder.embed(texts)
    finally:
        await embedder.aclose()
    assert np.array_equal(np.stack([v[0] for v in together]), expected)
    assert np.array_equal(np.stack(one_call), expected)
