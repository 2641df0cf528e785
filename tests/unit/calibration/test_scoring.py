"""Pure scoring: labels, the replay of the cache's decision, metrics, recommendation and the .env write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from semcache.cache.models import Candidate, Entry
from semcache.calibration.calibrate import recommend, write_env
from semcache.calibration.labels import Equivalence
from semcache.calibration.metrics import Metrics, Observed, best_within, curve, score, verdicts
from semcache.calibration.pairs import Pair, parse_pairs, sample
from semcache.config import Settings
from semcache.verify.verifier import build_verifier, parse_guards


def cand(entry_id: str, prompt: str, similarity: float) -> Candidate:
    return Candidate(Entry(entry_id, prompt, prompt.lower(), f"answer {entry_id}", {}, 0.0), 1.0 - similarity)


def test_labels_link_same_pairs_by_chain_and_keep_explicit_negatives() -> None:
    eq = Equivalence([Pair("A", "B", True), Pair("B", "C", True), Pair("A", "D", False)])
    assert eq.same("C", "A") and eq.same("a ", "A") and not eq.same("D", "A") and not eq.same("E", "A")


def test_labels_use_classes_where_the_meta_gives_them() -> None:
    eq = Equivalence([Pair("x", "y", True, "card", "card"), Pair("z", "w", False, "card", "refund")])
    assert eq.same("x", "z") and not eq.same("w", "x")


def test_parse_and_sample_are_stable() -> None:
    lines = [json.dumps({"a": f"q{i}", "b": f"p{i}", "same": i % 2 == 1}) for i in range(50)]
    pairs = parse_pairs(lines)
    assert sample(pairs, 10, seed=3) == sample(pairs, 10, seed=3) and len(sample(pairs, 10, seed=3)) == 10
    assert sample(pairs, 0) == pairs
    with pytest.raises(ValueError, match=r"<pairs>:1: expected"):
        parse_pairs(['{"a": 1}'])


def observed() -> list[Observed]:
    near_miss = cand("e1", "Cancel my subscription", 0.96)
    return [
        Observed("How do I reset my password?", True, None,
                 (cand("e0", "How can I reset my password?", 0.95),), frozenset({"e0"})),
        Observed("Don't cancel my subscription", False, None,
                 (near_miss, cand("e2", "Don't stop my plan", 0.93)), frozenset({"e2"})),
        Observed("capital of France", True, None, (cand("e3", "capital of France?", 0.80),), frozenset({"e3"})),
        Observed("exact", True, cand("e4", "exact", 1.0), (), frozenset({"e4"})),
    ]  # fmt: skip


def test_score_counts_hits_wrong_answers_and_exact_rows_apart() -> None:
    rows = observed()
    plain = score(rows, verdicts(rows, None), 0.90)
    assert (plain.exact, plain.positives, plain.negatives) == (1, 2, 1)
    assert (plain.served, plain.right, plain.right_positives) == (2, 1, 1)
    assert plain.hit_rate == 0.5 and plain.wrong_rate == 0.5
    loose = score(rows, verdicts(rows, None), 0.75)
    assert loose.hit_rate == 1.0 and loose.served == 3


def test_the_verifier_removes_the_near_miss_and_does_not_fall_through() -> None:
    rows = observed()
    verifier = build_verifier(Settings(_env_file=None, CACHE_VERIFY_READER=False))
    checked = score(rows, verdicts(rows, verifier), 0.90)
    assert checked.served == 1 and checked.wrong_rate == 0.0 and checked.hit_rate == 0.5
    falls_through = build_verifier(Settings(_env_file=None, CACHE_VERIFY_READER=False, CACHE_VERIFY_NEAREST_ONLY=False))
    assert score(rows, verdicts(rows, falls_through), 0.90).served == 2  # the second candidate is served


def test_best_within_and_recommend_pick_the_highest_hit_rate_under_the_bound() -> None:
    rows = observed()
    points = curve(rows, verdicts(rows, None), [0.75, 0.90, 0.97])
    assert best_within(points, 0.0) is None  # every served set has a wrong answer
    best = best_within(points, 0.5)
    assert best is not None and best.threshold == 0.75 and best.hit_rate == 1.0
    assert recommend([points, points], 0.4) == 0.75


def test_recommend_averages_over_files_so_one_noisy_file_does_not_decide() -> None:
    def point(threshold: float, served: int, right: int) -> Metrics:
        return Metrics(threshold, exact=0, positives=10, negatives=10, served=served, served_positives=served,
                       right=right, right_positives=right)  # fmt: skip

    noisy = [point(0.90, 10, 9), point(0.95, 5, 5), point(0.99, 1, 1)]  # 10% wrong at 0.90
    clean = [point(0.90, 10, 10), point(0.95, 5, 5), point(0.99, 1, 1)]
    assert recommend([noisy, clean], 0.05) == 0.90  # mean wrong 5%: within, and the most hits
    assert recommend([noisy, clean], 0.01) == 0.95  # the most hits among those within 1%
    assert recommend([noisy, noisy], 0.0) == 0.95  # the only point with no wrong answers and hits to spare


def test_parse_guards_rejects_unknown_names() -> None:
    assert len(parse_guards("negation, number", max_edit=1)) == 2
    with pytest.raises(ValueError, match="unknown guard"):
        parse_guards("negation,telepathy", max_edit=1)
    assert build_verifier(Settings(_env_file=None, CACHE_VERIFY=False)) is None


def test_write_env_replaces_the_threshold_and_keeps_other_lines(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("REDIS_URL=redis://127.0.0.1:6379\nSEMANTIC_DISTANCE_THRESHOLD=0.2\n# note\n")
    write_env(env, 0.934)
    assert env.read_text() == "REDIS_URL=redis://127.0.0.1:6379\n# note\nSEMANTIC_SIMILARITY_THRESHOLD=0.93\n"
    write_env(tmp_path / "new.env", 0.9)
    assert (tmp_path / "new.env").read_text() == "SEMANTIC_SIMILARITY_THRESHOLD=0.90\n"
