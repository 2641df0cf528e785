"""CACHE_VERIFY_MODEL_PATH: a pair model refitted on one's own pairs replaces the shipped one, its fitted
threshold becomes the default, and a file that cannot serve is refused at start-up with what is wrong."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from semcache.cache.models import Candidate, Entry
from semcache.config import Settings
from semcache.verify.features import NAMES
from semcache.verify.model import PairModel, shipped
from semcache.verify.verifier import build_verifier

STORED, ASKED = "How do I reset my password?", "How can I reset my password?"


def written(tmp_path: Path, model: PairModel, name: str = "mine.json") -> Path:
    path = tmp_path / name
    path.write_text(model.to_json({"command": "semcache eval mine/ --cv files --fit-out mine.json"}))
    return path


def serves(settings: Settings, similarity: float) -> bool:
    verify = build_verifier(settings)
    assert verify is not None
    candidate = Candidate(Entry("e", STORED, STORED.lower(), "answer", {}, 0.0), 1.0 - similarity)
    return verify(ASKED, candidate, [candidate])


def test_ones_own_model_decides_and_sets_the_default_threshold(tmp_path: Path) -> None:
    assert serves(Settings(_env_file=None), 0.96)  # the shipped model serves this paraphrase
    never = PairModel(tuple(0.0 for _ in NAMES), -50.0, 0.91, 0.5)  # refuses every candidate
    settings = Settings(_env_file=None, CACHE_VERIFY_MODEL_PATH=written(tmp_path, never))
    assert not serves(settings, 0.96)
    assert settings.distance_threshold == pytest.approx(0.09)
    explicit = Settings(
        _env_file=None, CACHE_VERIFY_MODEL_PATH=written(tmp_path, never), SEMANTIC_SIMILARITY_THRESHOLD=0.95
    )
    assert explicit.distance_threshold == pytest.approx(0.05)  # an explicit threshold still wins
    same = Settings(_env_file=None, CACHE_VERIFY_MODEL_PATH=written(tmp_path, shipped(), "copy.json"))
    assert serves(same, 0.96) and same.distance_threshold == pytest.approx(1.0 - shipped().min_similarity)


def test_a_file_that_cannot_serve_is_refused_with_what_is_wrong(tmp_path: Path) -> None:
    missing = Settings(_env_file=None, CACHE_VERIFY_MODEL_PATH=tmp_path / "nowhere.json")
    with pytest.raises(ValueError, match=r"CACHE_VERIFY_MODEL_PATH: cannot read .*nowhere\.json"):
        build_verifier(missing)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    with pytest.raises(ValueError, match="is not a pair model file"):
        build_verifier(Settings(_env_file=None, CACHE_VERIFY_MODEL_PATH=garbage))
    reading = replace(shipped(), weights=(*shipped().weights, 0.3), reads=True)
    with pytest.raises(ValueError, match="takes the reader's logit; set CACHE_VERIFY_READER=true"):
        build_verifier(Settings(_env_file=None, CACHE_VERIFY_MODEL_PATH=written(tmp_path, reading, "r.json")))
