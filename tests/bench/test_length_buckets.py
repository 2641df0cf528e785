"""Length buckets of the local embedder (a speed change the benchmark motivated): pure grouping rule,
and the vectors of a mixed batch equal those of each text embedded alone."""

from __future__ import annotations

import numpy as np
import pytest

from semcache.embeddings.local import OnnxMiniLM, length_buckets


def test_buckets_cover_every_index_once_with_bounded_padding() -> None:
    lengths = [5, 40, 6, 38, 12, 7, 41]
    groups = length_buckets(lengths, max_padding=0.3)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for g in groups:
        assert min(lengths[i] for i in g) >= 0.7 * max(lengths[i] for i in g)
    assert length_buckets([], max_padding=0.3) == []
    assert length_buckets([3, 3, 3], max_padding=0.0) == [[0, 1, 2]]


@pytest.fixture(scope="module")
def model() -> OnnxMiniLM:
    m = OnnxMiniLM(threads=1)
    m.load()
    return m


def test_mixed_batch_matches_single_embeddings(model: OnnxMiniLM) -> None:
    texts = ["hi", "What is the capital of France and why was it chosen historically?", "Reset my password", "ok"]
    batch = model.encode(texts)
    singles = np.stack([model.encode([t])[0] for t in texts])
    assert np.allclose(batch, singles, atol=1e-3)
