"""The local embedder: a text's vector does not depend on what it is embedded with."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from semcache.embeddings.local import DIMS, OnnxMiniLM


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
