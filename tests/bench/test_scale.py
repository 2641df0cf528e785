"""The scale path (`semcache bench --million`) at smoke size: a few thousand entries, most of them seeded noisy
variants, filled through the import code with their vectors, measured, restarted. No timing assertions: only
that every figure is there and the counts add up."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.data import Corpus
from bench.report import write_all
from bench.scale import checkpoints, entry_rows
from bench.scale_report import load, ratio_line, scale_section
from tests.support.bench import REPO, run_smoke


def test_checkpoints_are_the_reference_100k_500k_and_the_size() -> None:
    assert checkpoints(1_000_000, 10_000) == (10_000, 100_000, 500_000, 1_000_000)
    assert checkpoints(3_000, 1_000) == (1_000, 3_000)
    assert checkpoints(1_000, 1_000) == (1_000,)


def test_variants_are_seeded_unit_vectors_near_their_real_parent() -> None:
    rng = np.random.default_rng(1)
    real = rng.normal(size=(10, 384)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    corpus = Corpus([f"prompt {i}" for i in range(10)], [])
    texts, vectors = entry_rows(corpus, real, 5, 25)
    again_texts, again = entry_rows(corpus, real, 5, 25)
    assert texts == again_texts and np.array_equal(vectors, again)  # the same rows every run
    assert texts[0] == "prompt 5" and texts[5] == "prompt 0 [variant 1]" and len(set(texts)) == 20
    assert np.array_equal(vectors[:5], real[5:])  # real rows are stored as they are
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = np.sum(vectors[5:] * real[np.arange(10, 25) % 10], axis=1)
    assert np.all((similarity > 0.7) & (similarity < 0.99))  # near the parent, not on it


def test_the_scale_run_fills_measures_and_restarts(tmp_path: Path) -> None:
    out = run_smoke(tmp_path, "--scale-only", "3000")
    result = json.loads((out / "benchmarks-1m.json").read_text())
    assert result["method"]["real_rows"] == 300  # the rest are seeded variants
    assert list(result["checkpoints"]) == ["1000", "3000"]
    imported = 0
    for size, cp in result["checkpoints"].items():
        imported += cp["fill"]["imported"]
        assert cp["memory"]["index"]["num_docs"] == int(size) == imported
        assert cp["memory"]["used_memory_per_entry"] > 0 and cp["memory"]["index_bytes_per_entry"] > 0
        assert cp["semantic_hits"] > 0
        assert cp["http_search_semantic"]["ok_rate"] == 1.0  # the paraphrases' entries are in the cache
        # ... and the gateway serves them too: with audits on, an audited hit was judged wrong against the
        # upstream's fixed answer, the query then missed and its answer was stored (num_docs one over).
        assert cp["http_gateway_semantic"]["ok_rate"] == 1.0
        assert cp["knn_profile"]["as_sent"]["search_p50_ms"] > 0
    restart = result["restart"]
    assert 0 < restart["loaded_seconds"] <= restart["indexed_seconds"] <= restart["semantic_hit_seconds"]
    assert "pass" in ratio_line(result) or "miss" in ratio_line(result)


def test_a_run_without_the_scale_run_keeps_its_section(tmp_path: Path) -> None:
    scale = {
        "size": 1_000_000,
        "reference": 10_000,
        "measured_at": "2026-12-07 02:18 UTC",
        "checkpoints": {
            "10000": {"http_search_semantic": {"latency": {"p50_ms": 10.0, "p99_ms": 20.0}}},
            "1000000": {"http_search_semantic": {"latency": {"p50_ms": 14.0, "p99_ms": 30.0}}},
        },
    }
    (tmp_path / "benchmarks-1m.json").write_text(json.dumps(scale))
    main = json.loads((REPO / "docs" / "benchmarks.json").read_text())
    write_all(main, tmp_path)
    report = (tmp_path / "benchmarks.md").read_text()
    assert "## Scale: 1,000,000 entries (measured 2026-12-07 02:18 UTC)" in report
    assert "1.40x" in report and "miss" in ratio_line(scale)
    assert load(tmp_path) == scale
    assert scale_section(None)[0].startswith("## Scale")
