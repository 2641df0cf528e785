"""The pure statistics of the live wrong-answer rate (telemetry/errorrate.py)."""

from __future__ import annotations

import random

import pytest

from semcache.telemetry.errorrate import Sample, corrected, rate, rates, trace, what_if, wilson


def test_wilson_matches_published_values() -> None:
    # Newcombe (1998), table I: 81/263 -> 0.2553-0.3662; 0/20 -> 0-0.1611.
    low, high = wilson(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-4) and high == pytest.approx(0.3662, abs=1e-4)
    low, high = wilson(0, 20)
    assert low == 0.0 and high == pytest.approx(0.1611, abs=1e-4)


def test_wilson_says_nothing_is_known_without_judgements() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    assert not rate(0, 0).above(0.01)


def test_wilson_covers_the_true_rate_about_95_percent_of_the_time() -> None:
    rng = random.Random(3)
    p, n, trials = 0.04, 200, 2000
    covered = 0
    for _ in range(trials):
        wrong = sum(rng.random() < p for _ in range(n))
        low, high = wilson(wrong, n)
        covered += low <= p <= high
    assert 0.93 <= covered / trials <= 0.98


def test_the_upper_end_crossing_the_bound_raises_the_alert() -> None:
    assert rate(3, 40).above(0.05)  # 7.5%, interval to ~20%
    assert not rate(3, 10).above(0.05)  # too few judged to warn about anything
    assert not rate(0, 200).above(0.05)  # upper end ~1.9%
    assert not rate(3, 40).above(None)


def test_judge_errors_are_corrected_out_of_the_observed_rate() -> None:
    # A judge that calls 2% of right answers wrong and misses 10% of wrong ones sees 0.1*0.9 + 0.9*0.02.
    observed = 0.1 * 0.9 + 0.9 * 0.02
    assert corrected(observed, false_alarm=0.02, miss=0.1) == pytest.approx(0.1)
    assert corrected(0.01, false_alarm=0.02, miss=0.1) == 0.0  # clipped, never negative
    assert corrected(0.3, false_alarm=0.6, miss=0.5) == 0.3  # an uninformative judge corrects nothing


def test_rates_are_per_namespace_per_source_and_in_total() -> None:
    counts = {
        "audit:right:faq": 18,
        "audit:wrong:faq": 2,
        "audit:right:": 10,
        "miss:wrong:faq": 4,
        "feedback:right:faq": 1,
        "audit:calls": 32,  # not a verdict field
        "audit:right:a:b": 1,  # a namespace holding the separator
    }
    by_ns = rates(counts)
    assert by_ns["faq"]["audit"].judged == 20 and by_ns["faq"]["audit"].wrong == 2
    assert by_ns["faq"]["miss"].estimate == 1.0
    assert by_ns["a:b"]["audit"].judged == 1
    assert by_ns["*"]["audit"].judged == 31 and by_ns["*"]["audit"].wrong == 2
    assert "feedback" not in by_ns[""]


def test_trace_is_cumulative_and_thinned_keeping_the_last_point() -> None:
    verdicts = [(float(i), i % 10 == 0) for i in range(1, 1001)]
    points = trace(verdicts, points=100)
    assert len(points) == 100
    assert points[-1].judged == 1000 and points[-1].estimate == pytest.approx(0.1)
    assert all(p.low <= p.estimate <= p.high for p in points)
    assert trace([]) == []


def test_what_if_trades_hits_for_fewer_wrong_answers_above_the_served_cutoff() -> None:
    # Wrong answers sit at low similarity: raising the cut-off drops them first.
    samples = [Sample(0.85, True)] * 5 + [Sample(0.9, False)] * 10 + [Sample(0.97, False)] * 5
    curve = what_if(samples, looked_up=100, exact_hits=10, semantic_hits=40, saved_per_hit=0.01,
                    audit_cost_per_hit=0.01, audit_rate=0.5, cutoffs=[0.85, 0.9, 0.95, 1.0])  # fmt: skip
    at = {w.similarity: w for w in curve}
    assert at[0.85].hit_rate == pytest.approx(0.5) and at[0.85].wrong_rate == pytest.approx(0.25)
    assert at[0.9].hit_rate == pytest.approx((10 + 30) / 100) and at[0.9].wrong_rate == 0.0
    assert at[1.0].hit_rate == pytest.approx(0.1) and at[1.0].wrong_rate == 0.0
    # 50 hits saving 1 cent each, 40 semantic hits half audited at 1 cent each.
    assert at[0.85].net_saved_usd == pytest.approx(0.5 - 0.2)
