"""The int8-compute model: converted once into the cache folder, reused after, close to the float vectors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from semcache.embeddings.local import OnnxMiniLM, model_file
from semcache.embeddings.quantize import int8_model

TEXTS = [
    "What is the capital of France?",
    "What is France's capital?",
    "What is the capital of Germany?",
    "cancel my subscription",
    "How do I reset my password if I no longer have access to the email on my account?",
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return int8_model(model_file(), tmp_path_factory.mktemp("models"))


def test_conversion_is_cached_and_reused(converted: Path) -> None:
    assert converted.is_file() and converted.suffix == ".onnx"
    stamp = converted.stat().st_mtime_ns
    assert int8_model(model_file(), converted.parent) == converted
    assert converted.stat().st_mtime_ns == stamp  # not converted again
    assert [p.name for p in converted.parent.iterdir()] == [converted.name]  # no staging files left behind


def test_int8_vectors_stay_close_to_the_float_ones_and_keep_the_order(converted: Path) -> None:
    q8 = OnnxMiniLM(threads=1, cache_dir=converted.parent)
    f32 = OnnxMiniLM(threads=1, int8=False)
    q8.load()
    f32.load()
    a, b = q8.encode(TEXTS), f32.encode(TEXTS)
    assert q8.model_id != f32.model_id  # separate indexes: the vectors are not interchangeable
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert float((a * b).sum(axis=1).min()) > 0.97
    # The paraphrase stays far nearer than the other city in both.
    for m in (a, b):
        assert float(m[0] @ m[1]) > float(m[0] @ m[2]) + 0.2


def test_an_unwritable_cache_folder_falls_back_to_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    path = int8_model(model_file(), blocker / "models")
    assert path.is_file() and path.parent == tmp_path / "tmp" / f"semcache-models-{os.getuid()}"
    assert "could not write the int8 embedding model" in caplog.text
