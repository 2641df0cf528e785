"""The offline fitting: the array replay equals the cache's decision, the model learns, and a fold never
sees the file it is scored on."""

from __future__ import annotations

import numpy as np

from semcache.cache.models import Candidate, Entry
from semcache.calibration import crossval, learn
from semcache.calibration.metrics import Observed, score, verdicts
from semcache.calibration.table import build, metrics, served_mask
from semcache.verify.verifier import make_verifier, parse_guards


def cand(entry_id: str, prompt: str, similarity: float) -> Candidate:
    return Candidate(Entry(entry_id, prompt, prompt.lower(), f"answer {entry_id}", {}, 0.0), 1.0 - similarity)


def rows(shift: float = 0.0) -> list[Observed]:
    out = [
        Observed("How do I reset my password?", True, None,
                 (cand("e0", "How can I reset my password?", 0.95 - shift),), frozenset({"e0"})),
        Observed("Don't cancel my subscription", False, None,
                 (cand("e1", "Cancel my subscription", 0.96 - shift),), frozenset()),
        Observed("Convert 10 EUR to USD", False, None, (cand("e2", "Convert 12 EUR to USD", 0.97),), frozenset()),
        Observed("capital of France", True, None,
                 (cand("e3", "France capital city", 0.86 - shift),), frozenset({"e3"})),
        Observed("user: hi\nassistant: hello\nuser: cancel it", True, None,
                 (cand("e5", "user: hi\nassistant: hello\nuser: cancel it please", 0.9),), frozenset({"e5"})),
        Observed("nothing near", True, None, (), frozenset()),
        Observed("exact", True, cand("e4", "exact", 1.0), (), frozenset({"e4"})),
    ]  # fmt: skip
    return out


def test_the_table_replays_what_the_verifier_serves() -> None:
    observed = rows()
    table = build("t", observed, has_negatives=True)
    for names in ("", "negation", "negation,number,swap"):
        verifier = make_verifier(parse_guards(names, max_edit=1), nearest_only=True, max_edit=1)
        said = verdicts(observed, verifier)
        for s in (0.85, 0.90, 0.95):
            mask = served_mask(table, s, guards=[n for n in names.split(",") if n])
            assert metrics(table, s, mask) == score(observed, said, s), (names, s)
    for s in (0.85, 0.95):
        assert metrics(table, s, served_mask(table, s, verify=False)) == score(observed, verdicts(observed, None), s)


def test_logistic_regression_separates_a_separable_signal() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] - x[:, 1] > 0).astype(float)
    w, b = learn.fit_logistic(x, y, np.ones(400), l2=0.1)
    assert w[0] > 1 and w[1] < -1 and abs(b) < 1
    assert np.mean(((x @ w + b) > 0) == (y > 0)) > 0.97


def test_a_fold_is_fitted_without_its_held_out_file() -> None:
    tables = [build(f"f{i}", rows(0.01 * i), has_negatives=True) for i in range(3)]
    folds = crossval.leave_one_file_out(tables, 0.05)
    assert [f.name for f in folds] == ["f0", "f1", "f2"]
    for f, held in zip(folds, tables, strict=True):
        assert f.choice == learn.fit([t for t in tables if t is not held], 0.05)
        assert f.held_out == learn.score_choice(held, f.choice)
        assert 0.80 <= f.choice.model.min_similarity <= 0.97


def test_the_fold_reports_what_its_model_predicted_beside_what_happened() -> None:
    tables = [build(f"f{i}", rows(0.01 * i), has_negatives=True) for i in range(3)]
    for f, held in zip(crossval.leave_one_file_out(tables, 0.05), tables, strict=True):
        probs = learn.probabilities(held, np.asarray(f.choice.model.weights), f.choice.model.bias)
        s, cut = f.choice.model.min_similarity, f.choice.model.min_probability
        served = served_mask(held, s, guards=f.choice.guards, probs=probs, min_probability=cut) & ~held.conversation
        expected = float(np.mean(1.0 - probs[served])) if served.any() and cut > 0 else None
        assert f.predicted_wrong == expected
    off = crossval.leave_one_file_out(tables, 0.05, cutoffs=(0.0,))
    assert all(f.predicted_wrong is None for f in off)  # the model did not decide: nothing it predicted
