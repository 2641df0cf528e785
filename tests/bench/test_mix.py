"""The realistic mix's pure parts: the stated proportions, interleaved, the same for every system; misses
never repeated and never near each other; the per-class tally."""

from __future__ import annotations

from collections import Counter

import numpy as np

from bench.mix import Tally, _warmup, mix_length, spread, workload


def test_the_workload_keeps_the_proportions_interleaves_and_repeats_itself() -> None:
    pools = {"exact": ["e1", "e2"], "paraphrase": ["p1"], "miss": ["m1", "m2", "m3"]}
    work = workload(pools, 1000)
    assert Counter(name for name, _ in work) == {"exact": 300, "paraphrase": 300, "miss": 400}
    assert work == workload(pools, 1000)  # seeded: every system gets the same order
    assert len({name for name, _ in work[:20]}) == 3  # interleaved, not in blocks
    assert {p for name, p in work if name == "miss"} == {"m1", "m2", "m3"}  # pools cycle


def test_mix_length_never_asks_a_miss_prompt_twice() -> None:
    misses = [f"m{i}" for i in range(37)]
    n = mix_length(10_000, len(misses))
    work = workload({"exact": ["e"], "paraphrase": ["p"], "miss": misses}, n)
    asked = [p for name, p in work if name == "miss"]
    assert len(asked) == len(set(asked)) and len(asked) >= 36
    assert mix_length(50, 1000) == 50 and mix_length(50, 0) == 0


def test_the_warm_up_asks_no_miss_prompt() -> None:
    work = [("miss", "m1"), ("exact", "e1"), ("miss", "m2"), ("paraphrase", "p1")]
    assert _warmup(work, 8) == ["e1", "p1"]


def test_spread_keeps_no_two_prompts_within_the_similarity() -> None:
    a = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    near_a = np.array([0.99, 0.141, 0.0], dtype=np.float32)
    b = np.array([0.0, 1.0, 0.0], dtype=np.float32)
    c = np.array([0.0, 0.0, 1.0], dtype=np.float32)
    vectors = np.stack([a, near_a, b, c, b])
    assert spread(vectors, max_similarity=0.9) == [0, 2, 3]
    assert spread(vectors[:0], max_similarity=0.9) == []


def test_a_tally_reports_rates_per_class() -> None:
    tally = Tally(seconds=2.0)
    tally.add("exact", 0.001, "hit")
    tally.add("exact", 0.003, "hit")
    tally.add("miss", 0.002, "miss")
    tally.add("miss", 0.002, "error")
    out = tally.as_dict()
    assert out["exact"]["hits_per_s"] == 1.0 and out["exact"]["hit_rate"] == 1.0
    assert out["miss"]["hit_rate"] == 0.0 and out["miss"]["requests_per_s"] == 1.0
    assert out["miss"]["error_rate"] == 0.5 and out["paraphrase"]["requests"] == 0
