"""EMBED_MODEL_PATH: one's own MiniLM-shaped ONNX file runs instead of the shipped one, in an index of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from semcache.config import Settings
from semcache.embeddings.factory import local_embedder
from semcache.embeddings.local import OnnxMiniLM, model_file
from semcache.errors import EmbeddingError

TEXTS = ["What is the capital of France?", "cancel my subscription"]


@pytest.fixture(scope="module")
def own_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The shipped file under another name: the vectors must match, the index name must not.
    target = tmp_path_factory.mktemp("own") / "support-minilm-v2.onnx"
    shutil.copyfile(model_file(), target)
    return target


async def test_the_settings_path_is_the_model_that_runs_and_names_the_index(
    own_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMBED_MODEL_PATH", str(own_model))
    monkeypatch.setenv("MODEL_CACHE_DIR", str(tmp_path))
    embedder = local_embedder(Settings())
    assert embedder.fingerprint == "support-minilm-v2-q8-384"
    shipped = OnnxMiniLM(threads=1, cache_dir=tmp_path)
    shipped.load()
    await embedder.start()
    try:
        own = np.stack(await embedder.embed(TEXTS))
    finally:
        await embedder.aclose()
    assert np.array_equal(own, shipped.encode(TEXTS))
    converted = sorted(p.name.split("-q8-")[0] for p in tmp_path.iterdir())  # noqa: ASYNC240  # a test's tmp folder
    assert converted == sorted(["support-minilm-v2", model_file().stem])


def test_the_float_graph_of_ones_own_model_has_its_own_name_too(own_model: Path) -> None:
    assert OnnxMiniLM(int8=False, model_path=own_model).model_id == "support-minilm-v2"


def test_a_missing_file_is_a_clear_embedding_error(tmp_path: Path) -> None:
    model = OnnxMiniLM(int8=False, model_path=tmp_path / "nope.onnx")
    with pytest.raises(EmbeddingError, match="could not load the local embedding model"):
        model.load()
