"""CACHE_MAX_ERROR's per-entry decision: a function of the prior, the entry's observations and the similarity."""

from __future__ import annotations

from semcache.cache.models import Candidate, Entry
from semcache.config import Settings
from semcache.verify import feedback
from semcache.verify.bound import MAX_OBSERVATIONS, Observation, decide, estimate, observations
from semcache.verify.verifier import build_verifier


def test_without_observations_the_prior_decides() -> None:
    assert estimate(0.01, (), 0.93).error == 0.01
    assert decide(0.01, (), 0.93, 0.02) == "serve"
    assert decide(0.05, (), 0.93, 0.02) == "miss"


def test_a_wrong_report_raises_the_entrys_threshold_above_it() -> None:
    wrong = [Observation(0.95, False)]
    assert decide(0.01, wrong, 0.94, 0.02) == "miss"
    assert decide(0.01, wrong, 0.95, 0.02) == "miss"
    # a query closer than the wrong one is not contradicted by it
    assert decide(0.01, wrong, 0.96, 0.02) == "serve"


def test_right_reports_at_or_below_a_similarity_let_a_doubted_entry_serve_there() -> None:
    right = [Observation(0.91, True)] * 4
    assert decide(0.06, right, 0.93, 0.02) == "serve"  # 2 * 0.06 / (2 + 4) = 0.02
    assert decide(0.06, right, 0.90, 0.02) == "miss"  # no evidence at or below 0.90
    e = estimate(0.06, [*right, Observation(0.97, False)], 0.93)
    assert (e.supporting, e.contradicting) == (4, 1) and e.error > 0.02


def test_exploration_is_drawn_only_among_allowed_hits() -> None:
    assert decide(0.01, (), 0.93, 0.02, explore_rate=0.1, draw=0.05) == "explore"
    assert decide(0.01, (), 0.93, 0.02, explore_rate=0.1, draw=0.5) == "serve"
    assert decide(0.5, (), 0.93, 0.02, explore_rate=0.1, draw=0.05) == "miss"


def test_stored_observations_are_parsed_defensively_and_capped() -> None:
    assert observations([[0.9, 1], [0.95, 0], "junk", [1], ["a", 1]]) == (
        Observation(0.9, True),
        Observation(0.95, False),
    )
    assert observations(None) == () and len(observations([[0.9, 1]] * 100)) == MAX_OBSERVATIONS


def test_feedback_state_round_trips_and_matches_the_lua_update() -> None:
    fb = feedback.updated(feedback.Feedback(), correct=True, similarity=0.93)
    fb = feedback.updated(fb, correct=False, similarity=0.95)
    fb = feedback.updated(fb, correct=False, similarity=None)
    assert (fb.right, fb.wrong, fb.bar) == (1, 2, 1.0)
    assert fb.observations == (Observation(0.93, True), Observation(0.95, False))
    assert feedback.read({feedback.KEY: feedback.as_metadata(fb)}) == fb


def cand(similarity: float, metadata: dict[str, object] | None = None) -> Candidate:
    prompt = "How do I reset my password?"
    return Candidate(Entry("1", prompt, prompt.lower(), "x", {}, 0.0, metadata=metadata or {}), 1.0 - similarity)


def test_the_verifier_applies_the_bound_with_the_entrys_observations() -> None:
    plain = build_verifier(Settings(CACHE_VERIFY_READER=False))
    bounded = build_verifier(Settings(CACHE_VERIFY_READER=False, CACHE_MAX_ERROR=0.5))
    assert plain is not None and bounded is not None
    query = "How can I reset my password?"
    fresh = cand(0.96)
    assert plain(query, fresh, [fresh]) and bounded(query, fresh, [fresh])
    # wrong reports just above this similarity (not past the feedback bar: only the bound refuses)
    seen = {"right": 0, "wrong": 3, "bar": None, "obs": [[0.97, 0], [0.97, 0], [0.97, 0]]}
    judged = cand(0.96, {feedback.KEY: seen})
    assert plain(query, judged, [judged]) and not bounded(query, judged, [judged])
