"""The pair model: the shipped file, the defaults it implies, and the verifier's use of it."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from semcache.cache.models import Candidate, Entry
from semcache.config import DEFAULT_GUARDS, DEFAULT_SIMILARITY_THRESHOLD, Settings
from semcache.verify.features import NAMES, vector
from semcache.verify.model import SHIPPED, PairModel, parse, shipped
from semcache.verify.verifier import build_verifier, make_verifier


def cand(prompt: str, similarity: float) -> Candidate:
    return Candidate(Entry("e", prompt, prompt.lower(), "answer", {}, 0.0), 1.0 - similarity)


def test_the_shipped_defaults_are_what_the_fit_on_all_files_chose() -> None:
    model = shipped()
    raw = json.loads(resources.files("semcache").joinpath(SHIPPED).read_text(encoding="utf-8"))
    assert model.min_similarity == DEFAULT_SIMILARITY_THRESHOLD
    assert [g for g in DEFAULT_GUARDS.split(",") if g] == raw["provenance"]["guards_kept"]
    assert raw["provenance"]["files"] and 0.0 < model.min_probability < 1.0


def test_a_model_file_for_other_features_is_refused() -> None:
    text = PairModel(tuple(0.0 for _ in NAMES), 0.0, 0.9, 0.5).to_json({})
    assert parse(text) == PairModel(tuple(0.0 for _ in NAMES), 0.0, 0.9, 0.5)
    body = json.loads(text)
    body["features"] = ["similarity"]
    with pytest.raises(ValueError, match="do not match"):
        parse(json.dumps(body))


def test_features_see_the_slot_a_near_miss_changes() -> None:
    same = dict(zip(NAMES, vector("How do I reset my password?", "How can I reset my password?", 0.95), strict=True))
    other = dict(zip(NAMES, vector("Convert 10 EUR to USD", "Convert 12 EUR to USD", 0.97), strict=True))
    assert same["number"] == 0.0 and same["unmatched"] == 0.0
    assert other["number"] == 1.0 and other["similarity_z"] == pytest.approx(1.4)


def test_the_verifier_serves_by_the_model_probability() -> None:
    # Only the similarity counts: the probability is 0.5 exactly where similarity = 0.9 (its centre).
    weights = tuple(1.0 if n == "similarity_z" else 0.0 for n in NAMES)
    verify = make_verifier((), nearest_only=True, model=PairModel(weights, 0.0, 0.8, 0.5))
    near, far = cand("How can I reset my password?", 0.95), cand("How can I reset my password?", 0.85)
    assert verify("How do I reset my password?", near, [near])
    assert not verify("How do I reset my password?", far, [far])
    loose = make_verifier((), nearest_only=True, model=PairModel(weights, 0.0, 0.8, 0.5), min_probability=0.1)
    assert loose("How do I reset my password?", far, [far])


def test_the_model_can_be_switched_off() -> None:
    off = build_verifier(Settings(CACHE_VERIFY_MODEL=False, CACHE_VERIFY_READER=False))
    on = build_verifier(Settings(CACHE_VERIFY_READER=False))
    assert off is not None and on is not None
    # Another month: no guard kept by default sees it, the model (its `date` and `swap` features) does.
    near_miss = cand("Flights from London to Paris in May", 0.96)
    assert off("Flights from London to Paris in June", near_miss, [near_miss])
    assert not on("Flights from London to Paris in June", near_miss, [near_miss])
