"""The stream replay behind docs/quality.md's CACHE_MAX_ERROR table: each row decided with the state the
rows before it left, from client reports, exploration or comparisons on misses."""

from __future__ import annotations

from semcache.cache.models import Candidate, Entry
from semcache.calibration.metrics import Observed
from semcache.calibration.online import replay
from semcache.verify.features import NAMES
from semcache.verify.learning import Limits
from semcache.verify.model import PairModel
from semcache.verify.verifier import make_verifier

#: Only the similarity counts: probability about 0.77 at similarity 0.91, 0.88 at 0.95.
MODEL = PairModel(tuple(1.0 if n == "similarity_z" else 0.0 for n in NAMES), 1.0, 0.80, 0.5)


def row(similarity: float, right: bool, entry: str = "a") -> Observed:
    c = Candidate(Entry(entry, "How do I top up by card?", "x", "answer", {}, 0.0), 1.0 - similarity)
    return Observed("How do I top up my card?", right, None, (c,), frozenset({entry} if right else ()))


def test_the_bound_refuses_what_the_prior_doubts_and_reports_move_it() -> None:
    bounded = make_verifier((), nearest_only=True, model=MODEL, max_error=0.2)
    # 0.95: the prior doubt ~0.12 is within 0.2, served; after a wrong report at 0.95 it is not
    s = replay([row(0.95, False), row(0.95, True), row(0.95, True)], bounded, 0.85)
    assert (s.metrics.served, s.metrics.wrong) == (1, 1)
    # 0.91: doubt ~0.23; no client report can help an entry never served, but comparisons on misses do
    rows = [row(0.91, True) for _ in range(6)]
    assert replay(rows, bounded, 0.85).metrics.served == 0
    learned = replay(rows, bounded, 0.85, report_hits=False, compare_misses=True)
    assert learned.compared >= 1 and learned.metrics.served >= 1 and learned.metrics.wrong == 0


def test_exploration_answers_some_allowed_hits_from_the_llm_and_counts_them() -> None:
    bounded = make_verifier((), nearest_only=True, model=MODEL, max_error=0.2)
    rows = [row(0.97, True, entry=f"e{i}") for i in range(200)]
    s = replay(rows, bounded, 0.85, report_hits=False, explore_rate=0.25, seed=1)
    assert 20 < s.explored < 80 and s.metrics.served == 200 - s.explored
    assert s.halves[0].positives + s.halves[1].positives == 200


def test_audits_move_the_learned_threshold_on_evidence_only() -> None:
    plain = make_verifier((), nearest_only=True)
    limits = Limits(floor=0.85, ceiling=0.95, step=0.01, max_error=0.05)
    # Every hit at 0.92 wrong: each batch of audits shows the rate above 5%, so the threshold rises past
    # 0.92 and nothing more is served.
    wrong = [row(0.92, False, entry=f"w{i}") for i in range(200)]
    s = replay(wrong, plain, 0.88, report_hits=False, audit_rate=1.0, limits=limits)
    assert s.similarity is not None and s.similarity > 0.92 and s.audited == s.metrics.served < 200
    assert s.halves[1].served == 0
    # Every hit right: 20, 40, ... clean audits never make it stricter (it may loosen once they are many).
    clean = [row(0.92, True, entry=f"r{i}") for i in range(200)]
    s = replay(clean, plain, 0.88, report_hits=False, audit_rate=1.0, limits=limits)
    assert s.similarity is not None and s.similarity <= 0.88 and s.metrics.served == 200
    # Without limits the threshold is the configured one, and no audit means no learning.
    assert replay(wrong, plain, 0.88).similarity is None
